// Stand-in for the 'server-only' marker package under vitest (tests are server code).
export {};
