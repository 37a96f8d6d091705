import { route, type AnyRoute } from '../route';
import { uploadAnswer } from '../schemas/uploads';
import { MAX_UPLOAD_BYTES, noScanner, receiveUpload, uploadStoreOf, UPLOAD_MEDIA_TYPES } from '../uploads';

/**
 * R2.3, R6.2: a benefit category's supporting documents are uploaded first, one file a request;
 * the signed filing (or change of category) then names each by its ID and SHA-256.
 */
export const UPLOAD_ROUTES: AnyRoute[] = [
  route({
    operationId: 'uploadDocument',
    method: 'post',
    path: '/api/v1/uploads',
    role: 'applicant',
    summary: 'R2.3, R6.2: upload a supporting document (PDF, JPEG or PNG by content, at most 5 MB); 201 with its ID and SHA-256, which the signed action names',
    upload: {
      field: 'file',
      media: UPLOAD_MEDIA_TYPES,
      maxBytes: MAX_UPLOAD_BYTES,
      description:
        'multipart/form-data with one part, `file`. The type is judged by the first bytes (PDF, JPEG, PNG; else 415 UNSUPPORTED_UPLOAD_TYPE), never by the name or the declared type; ' +
        'more than 5 MB is 413 UPLOAD_TOO_LARGE, said before the body is read when Content-Length tells. At most 20 unused uploads a person (409 TOO_MANY_UPLOADS).',
    },
    ok: { status: 201, schema: uploadAnswer },
    handle: ({ ctx, caller }, deps) => receiveUpload(ctx, uploadStoreOf(deps), deps.scanner ?? noScanner, caller.iin),
  }),
];
