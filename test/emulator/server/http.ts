// HTTP plumbing shared by the API server's modules: Status errors as the real API server words them, request
// bodies (JSON, YAML, the protobuf kinds kubectl sends) and JSON responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYamlText } from 'yaml';
import type { KObject } from '../contract';
import { decodeObject, ProtobufError } from '../protobuf';
import type { ResourceDef } from '../resources';

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function statusObject(code: number, reason: string, message: string, details?: KObject): KObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export const REASON_PHRASE: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

export function qualified(def: ResourceDef): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}

export function notFound(def: ResourceDef, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${qualified(def)} "${name}" not found`, { name, ...(def.group ? { group: def.group } : {}), kind: def.resource });
}

export function invalid(def: ResourceDef, name: string, field: string, msg: string): HttpError {
  return new HttpError(422, 'Invalid', `${def.kind}${def.group ? `.${def.group}` : ''} "${name}" is invalid: ${field}: ${msg}`, { name, ...(def.group ? { group: def.group } : {}), kind: def.kind, causes: [{ reason: 'FieldValueInvalid', message: msg, field }] });
}

export type Query = URLSearchParams;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    req.resume();
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 16 * 1024 * 1024) throw new HttpError(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON, or one of the protobuf kinds kubectl sends (see protobuf.ts). */
export function parseBody(body: Buffer, req: IncomingMessage): KObject {
  if (String(req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')) {
    try {
      return decodeObject(body);
    } catch (e) {
      if (e instanceof ProtobufError) throw new HttpError(415, 'UnsupportedMediaType', e.message);
      throw e;
    }
  }
  return parseJson(body);
}

export function parseYaml(body: Buffer): KObject {
  try {
    return parseYamlText(body.toString('utf8')) ?? {};
  } catch (e) {
    throw new HttpError(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`);
  }
}

export function parseJson(body: Buffer): KObject {
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${(e as Error).message})`);
  }
}

export function sendJson(res: ServerResponse, code: number, obj: unknown, headers: Record<string, string> = {}): void {
  sendText(res, code, JSON.stringify(obj), headers);
}

export function sendText(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}
