/**
 * The example documents of signed actions as the OpenAPI document shows them, held as XmlNode
 * trees: read, walked, changed one leaf at a time, written and signed again.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { escapeXml } from '../../../api/signature/xml';
import { signXml } from '../../../scripts/pki/signer';
import { credentials } from '../pki';

/** An XML element's children in order: text for a leaf, children for a nested element. */
export type XmlNode = Array<[string, string | XmlNode]>;

/** What a signed body is written as: the document's root element and namespace, and the JSON property that carries it. */
export interface SignedShape {
  root: string;
  namespace: string;
  property: string;
}

function xmlNode(el: Element): XmlNode {
  const out: XmlNode = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== 1) continue;
    const child = c as Element;
    const hasElements = Array.from({ length: child.childNodes.length }, (_, i) => child.childNodes.item(i)).some((n) => n?.nodeType === 1);
    out.push([child.localName ?? child.nodeName, hasElements ? xmlNode(child) : (child.textContent ?? '').trim()]);
  }
  return out;
}

/** The example document of a signed action, as the document's request body description shows it. */
export function signedExample(description: string | undefined, root: string): XmlNode | undefined {
  // The prose names the root element first (`<root xmlns="…">`); the example is its last, complete occurrence.
  const text = description ?? '';
  const m = new RegExp(`<${root}\\s+xmlns="[^"]*">[\\s\\S]*?</${root}>`).exec(text.slice(text.lastIndexOf(`<${root} `)));
  if (!m) return undefined;
  try {
    const parsed = new DOMParser({ onError: () => undefined }).parseFromString(m[0], 'application/xml');
    return parsed.documentElement ? xmlNode(parsed.documentElement as unknown as Element) : undefined;
  } catch {
    return undefined;
  }
}

/** The paths of a document's leaf elements. */
export function xmlLeaves(node: XmlNode, prefix: string[] = []): string[][] {
  return node.flatMap(([name, v]) => (typeof v === 'string' ? [[...prefix, name]] : xmlLeaves(v, [...prefix, name])));
}

/** Every leaf value of the documents, by element name (the first one seen). */
export function leafValues(nodes: XmlNode[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (node: XmlNode) => node.forEach(([k, v]) => (typeof v === 'string' ? out.has(k) || out.set(k, v) : walk(v)));
  nodes.forEach(walk);
  return out;
}

/** The example document with this run's values in it, by element name (the parent's child and application, a fresh nonce and signedAt). */
export function withRunValues(node: XmlNode, run: Record<string, () => string>): XmlNode {
  return node.map(([k, v]) => [k, typeof v === 'string' ? (run[k]?.() ?? v) : withRunValues(v, run)]);
}

/** The document with the leaf at `path` (made if missing) set to `value`. */
export function setLeaf(node: XmlNode, path: string[], value: string): XmlNode {
  const [head, ...rest] = path;
  const out: XmlNode = node.map(([k, v]) => [k, v]);
  const at = out.findIndex(([k]) => k === head);
  const next: string | XmlNode = rest.length === 0 ? value : setLeaf(at >= 0 && typeof out[at]![1] !== 'string' ? (out[at]![1] as XmlNode) : [], rest, value);
  if (at >= 0) out[at] = [head!, next];
  else out.push([head!, next]);
  return out;
}

const xmlBody = (node: XmlNode): string => node.map(([k, v]) => `<${k}>${typeof v === 'string' ? escapeXml(v) : xmlBody(v)}</${k}>`).join('');

/** The JSON body of a signed action: the document, signed with `iin`'s test signing key. */
export async function signedBody(shape: SignedShape, iin: string, node: XmlNode): Promise<string> {
  const xml = `<${shape.root} xmlns="${shape.namespace}">${xmlBody(node)}</${shape.root}>`;
  return JSON.stringify({ [shape.property]: signXml(xml, await credentials(iin, 'sign')) });
}
