/**
 * A small CBOR encoder (RFC 8949), enough for what a WebAuthn authenticator sends: unsigned and
 * negative integers, byte and text strings, arrays and maps (a Map for integer keys, as COSE keys
 * have them).
 */
export type CborValue =
  | number
  | string
  | Uint8Array
  | CborValue[]
  | Map<number | string, CborValue>
  | CborMap;
interface CborMap {
  [key: string]: CborValue;
}

export function encodeCbor(value: CborValue): Uint8Array {
  return Buffer.concat(encodeParts(value));
}

function encodeParts(value: CborValue): Uint8Array[] {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('only integers are encoded');
    return value >= 0 ? [head(0, value)] : [head(1, -1 - value)];
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return [head(3, bytes.length), bytes];
  }
  if (value instanceof Uint8Array) return [head(2, value.length), value];
  if (Array.isArray(value)) return [head(4, value.length), ...value.flatMap(encodeParts)];
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return [
    head(5, entries.length),
    ...entries.flatMap(([key, item]) => [...encodeParts(key), ...encodeParts(item)]),
  ];
}

/** The initial byte(s): the major type and the argument (a length or the integer itself). */
function head(major: number, argument: number): Uint8Array {
  const type = major << 5;
  if (argument < 24) return Uint8Array.of(type | argument);
  if (argument < 0x100) return Uint8Array.of(type | 24, argument);
  if (argument < 0x10000) return Uint8Array.of(type | 25, argument >> 8, argument & 0xff);
  const bytes = Buffer.alloc(5);
  bytes[0] = type | 26;
  bytes.writeUInt32BE(argument, 1);
  return bytes;
}
