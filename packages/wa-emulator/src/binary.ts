// WhatsApp binary XML nodes. The codec is Baileys' own (`WABinary`), so the emulator and the
// client can never disagree on tokens or jid encoding; this file only adds small helpers.
import { decodeBinaryNode, encodeBinaryNode, getBinaryNodeChild, getBinaryNodeChildren } from 'baileys';
import type { BinaryNode } from 'baileys';

export type { BinaryNode };
export { decodeBinaryNode, encodeBinaryNode, getBinaryNodeChild, getBinaryNodeChildren };

/** The server's own jid as the real edge writes it in `from`. */
export const SERVER_JID = 's.whatsapp.net';

export const node = (tag: string, attrs: Record<string, string> = {}, content?: BinaryNode['content']): BinaryNode =>
  content === undefined ? { tag, attrs } : { tag, attrs, content };

/** The empty `result` answer to an iq: enough for every query whose answer Baileys does not parse. */
export const iqResult = (iq: BinaryNode, content?: BinaryNode[]): BinaryNode =>
  node('iq', { from: SERVER_JID, type: 'result', id: iq.attrs.id ?? '' }, content);

export const iqError = (iq: BinaryNode, code: number, text: string): BinaryNode =>
  node('iq', { from: SERVER_JID, type: 'error', id: iq.attrs.id ?? '' }, [node('error', { code: String(code), text })]);

/** Children of a node as an array (content may be bytes or a string). */
export const children = (parent: BinaryNode | undefined): BinaryNode[] =>
  Array.isArray(parent?.content) ? parent.content : [];

export const childBytes = (parent: BinaryNode | undefined, tag: string): Buffer | undefined => {
  const content = getBinaryNodeChild(parent, tag)?.content;
  if (content instanceof Uint8Array) return Buffer.from(content);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return undefined;
};

/** A one-line rendering for logs. */
export const describe = (n: BinaryNode): string => {
  const attrs = Object.entries(n.attrs).map(([k, v]) => `${k}=${v}`).join(' ');
  const inner = children(n).map((c) => c.tag).join(',');
  return `<${n.tag}${attrs ? ' ' + attrs : ''}>${inner}`;
};
