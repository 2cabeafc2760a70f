/**
 * The JSON-RPC 2.0 envelope: parse a request body (single call or batch), run each call through
 * an RpcHandler, and serialise the responses. Never throws: malformed JSON is `-32700`, a
 * malformed call object `-32600` (id null), and each call of a batch succeeds or fails on its own.
 * Calls of a batch run one after another, in order (a batch may send dependent transactions).
 * Notifications (calls without an `id`) run but get no response.
 */
import { INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RpcError } from './errors.ts';
import type { Json } from './format.ts';
import type { RpcHandler } from './methods.ts';

export const MAX_BATCH = 1000;

type Id = string | number | null;
type Response = { jsonrpc: '2.0'; id: Id; result: Json } | { jsonrpc: '2.0'; id: Id; error: ReturnType<RpcError['toJSON']> };

function failure(id: Id, e: RpcError): Response {
  return { jsonrpc: '2.0', id, error: e.toJSON() };
}

function isId(v: unknown): v is Id {
  return v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

async function handleOne(handler: RpcHandler, msg: unknown): Promise<Response | undefined> {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return failure(null, new RpcError(INVALID_REQUEST, 'invalid request: expected a JSON-RPC call object'));
  }
  const m = msg as Record<string, unknown>;
  const notification = !('id' in m);
  const id: Id = isId(m.id) ? m.id : null;
  if (!notification && !isId(m.id)) return failure(null, new RpcError(INVALID_REQUEST, 'invalid request: id must be a string, a number or null'));
  if (m.jsonrpc !== undefined && m.jsonrpc !== '2.0') return failure(id, new RpcError(INVALID_REQUEST, 'invalid request: jsonrpc must be "2.0"'));
  if (typeof m.method !== 'string') return failure(id, new RpcError(INVALID_REQUEST, 'invalid request: method must be a string'));
  let response: Response;
  try {
    const result = await handler.call(m.method, m.params);
    response = { jsonrpc: '2.0', id, result: result ?? null };
  } catch (e) {
    response = failure(id, e instanceof RpcError ? e : new RpcError(INTERNAL_ERROR, `internal error: ${String(e)}`));
  }
  return notification ? undefined : response;
}

/** Handle a raw request body; resolves to the response body, or undefined when nothing is to be sent back. */
export async function handleJsonRpcBody(handler: RpcHandler, body: string): Promise<string | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return JSON.stringify(failure(null, new RpcError(PARSE_ERROR, `parse error: ${e instanceof Error ? e.message : String(e)}`)));
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return JSON.stringify(failure(null, new RpcError(INVALID_REQUEST, 'invalid request: empty batch')));
    if (parsed.length > MAX_BATCH) return JSON.stringify(failure(null, new RpcError(INVALID_REQUEST, `invalid request: batch of ${parsed.length} calls exceeds the limit of ${MAX_BATCH}`)));
    const out: Response[] = [];
    for (const item of parsed) {
      const r = await handleOne(handler, item);
      if (r) out.push(r);
    }
    return out.length > 0 ? serialise(out) : undefined;
  }
  const r = await handleOne(handler, parsed);
  return r ? serialise(r) : undefined;
}

function serialise(v: Response | Response[]): string {
  try {
    return JSON.stringify(v);
  } catch (e) {
    // Only a bug (a non-JSON value in a result) gets here; keep the server answering.
    return JSON.stringify(failure(null, new RpcError(INTERNAL_ERROR, `internal error: unserialisable response (${String(e)})`)));
  }
}
