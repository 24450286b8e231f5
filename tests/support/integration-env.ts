// Each integration test file sees the environment that global-setup prepared.
import { inject } from 'vitest';

Object.assign(process.env, inject('integrationEnv'));
