/** The operations an OpenAPI document lists, with what the fuzz test needs of each: role, parameters, body, signed document. */
import type { Schema, SchemaWalker } from './schema';
import { leafValues, signedExample, type SignedShape, type XmlNode } from './signed-xml';

export interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
  example?: unknown;
}

export interface Op {
  method: string;
  /** As the document spells it, `{param}` and all. */
  template: string;
  key: string;
  role: string;
  params: Param[];
  body?: Schema;
  signed?: SignedShape & { fields: Schema; example?: XmlNode };
}

export function operations(doc: any, { deref }: SchemaWalker): Op[] {
  const ops: Op[] = [];
  for (const [template, byMethod] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, o] of Object.entries(byMethod)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const role = /Role: ([^.]+)\./.exec(o.description ?? '')?.[1] ?? (o.security?.length === 0 ? 'anyone' : 'unknown');
      const bodySchema: Schema | undefined = o.requestBody?.content?.['application/json']?.schema;
      const x = o['x-signed-document'];
      const op: Op = { method: method.toUpperCase(), template, key: `${method.toUpperCase()} ${template}`, role, params: (o.parameters ?? []) as Param[], body: bodySchema };
      if (x) {
        const body = deref(bodySchema);
        op.signed = {
          root: x.rootElement,
          namespace: x.namespace,
          fields: x.fields ?? {},
          example: signedExample(o.requestBody?.description, x.rootElement),
          property: body.required?.[0] ?? Object.keys(body.properties ?? {})[0] ?? 'signedXml',
        };
      }
      ops.push(op);
    }
  }
  return ops;
}

/** Every leaf value of every signed example in the operations, by element name. */
export const documentExamples = (ops: Op[]) => leafValues(ops.flatMap((op) => (op.signed?.example ? [op.signed.example] : [])));
