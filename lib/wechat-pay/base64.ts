// Buffer.from(value, 'base64') silently skips characters outside the alphabet, so a mangled signature or
// ciphertext would decode to *something*. Security checks need to know the input was well-formed.

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical, padded base64; returns undefined for anything else (including the empty string). */
export function decodeStrictBase64(value: string): Buffer | undefined {
  if (value.length === 0 || !STRICT_BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}
