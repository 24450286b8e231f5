import { type KeyObject, randomBytes, sign } from 'node:crypto';

// Issues X.509 v3 platform certificates the way WeChat's CA would, with node:crypto only (it parses
// certificates but can't make them): a minimal DER encoder for the few types a certificate needs, an
// RSA SHA-256 signature by the sandbox's own CA key. The merchant parses them with node:crypto's
// X509Certificate, exactly as it parses WeChat's.

/** sha256WithRSAEncryption */
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const nullValue = () => Buffer.from([0x05, 0x00]);

/** A non-negative INTEGER: a leading 0x00 when the high bit is set, so it doesn't read as negative. */
function integer(bytes: Buffer): Buffer {
  const value = (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(0x02, value);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift(0x80 | (value & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid(ORGANIZATION), utf8String('Tenpay.com'))),
    set(sequence(oid(COMMON_NAME), utf8String(commonName))),
  );
}

export interface IssueOptions {
  /** The certificate's key (WeChat's platform key pair); its public half goes in the certificate. */
  publicKey: KeyObject;
  /** The sandbox CA's private key, which signs the certificate. */
  issuerKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

export interface IssuedCertificate {
  /** Uppercase hex, 40 digits, as WeChat writes serial_no. */
  serialNo: string;
  pem: string;
}

/** A certificate with a fresh random 20-byte serial (high bit clear, so it is 40 hex digits as encoded). */
export function issueCertificate({
  publicKey,
  issuerKey,
  notBefore,
  notAfter,
}: IssueOptions): IssuedCertificate {
  const serial = randomBytes(20);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10; // positive, and no leading zero digit to strip
  const algorithm = sequence(oid(SHA256_WITH_RSA), nullValue());
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // [0] version: v3
    integer(serial),
    algorithm,
    name('Tenpay.com Sandbox CA'),
    sequence(time(notBefore), time(notAfter)),
    name('Tenpay.com Root CA Sandbox Platform'),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, issuerKey);
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    serialNo: serial.toString('hex').toUpperCase(),
    pem: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}
