/**
 * A nock reply that the server holds back: it records that the request arrived and answers only
 * when the test calls `release()` (or, so that a broken timeout fails the test instead of hanging
 * it, after `fallbackMs`). A test proves "the client gave up before the reply" by awaiting the
 * call's rejection while the reply is held, then asserting `seen`; nothing depends on how fast the
 * machine is: the client's own deadline (tens of ms) is always due before the fallback (30 s).
 */
import type nock from 'nock';

type ReplyFnResult = nock.ReplyFnResult;
type Callback = (err: NodeJS.ErrnoException | null, result: ReplyFnResult) => void;

export interface HeldReply {
  /** Pass to nock's `.reply(...)`. */
  readonly reply: (uri: string, body: unknown, callback: Callback) => void;
  /** True once the request reached the server. */
  readonly seen: () => boolean;
  /** Stop holding: cancel the fallback. The held reply is never sent (the client gave up). */
  readonly release: () => void;
}

export const heldReply = (result: ReplyFnResult, fallbackMs = 30_000): HeldReply => {
  let seen = false;
  let fallback: NodeJS.Timeout | undefined;
  return {
    reply: (_uri, _body, callback) => {
      seen = true;
      fallback = setTimeout(() => callback(null, result), fallbackMs);
    },
    seen: () => seen,
    release: () => clearTimeout(fallback),
  };
};
