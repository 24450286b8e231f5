// One spelling for serials on both sides of the lookup. Certificate serials are hex whose case and
// leading zeros vary between tools (OpenSSL, Node, WeChat's merchant platform); public key ids are opaque.

export function normalizeSerial(serial: string): string {
  const trimmed = serial.trim();
  if (trimmed.startsWith('PUB_KEY_ID_')) return trimmed;
  return trimmed.toUpperCase().replace(/^0+(?=.)/, '');
}
