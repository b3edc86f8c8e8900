// Type declarations for realtime-client.js (realtime-server protocol v1).
// Frames carry more fields than listed when the server adds some: clients ignore what they don't know.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'message_blocked'
  | 'internal'
  | 'unavailable';

/** Errors raised by the client itself. */
export type ClientErrorCode = 'timeout' | 'disconnected' | 'closed';

export type CloseCode = 1000 | 1001 | 1006 | 1008 | 1009 | 1011 | 4001 | 4003 | 4008 | 4009 | 4010;

/** Protocol error codes with what they mean and what to do. */
export const ERROR_CODES: Readonly<Record<ErrorCode, string>>;
/** Client error codes with what they mean. */
export const CLIENT_ERROR_CODES: Readonly<Record<ClientErrorCode, string>>;
/** Close codes the server uses (and 1006) with what they mean. */
export const CLOSE_CODES: Readonly<Record<CloseCode, string>>;

export class RealtimeError extends Error {
  constructor(
    code: ErrorCode | ClientErrorCode | string,
    message?: string,
    details?: { reason?: string; retryAfterMs?: number; frame?: ErrorFrame; request?: Frame; closeCode?: number | null },
  );
  name: 'RealtimeError';
  /** The server's error code, or a client code ('timeout', 'disconnected', 'closed'). */
  code: ErrorCode | ClientErrorCode | string;
  /** The server's `reason` (e.g. the moderation category, or "muted"), or a close reason. */
  reason?: string;
  /** With rate_limited: when to try again. */
  retryAfterMs?: number;
  /** The server's `error` frame, when the error came from the server. */
  frame?: ErrorFrame;
  /** The request that failed (for a send: holds its client_msg_id). */
  request?: Frame;
  /** The WebSocket close code, when a close caused the error. */
  closeCode?: number | null;
}

/** Any frame: a JSON object with a string `type`. */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

export type Role = 'admin' | 'mentor' | 'student' | 'guest';

export interface User {
  id: string;
  name?: string;
  role: Role;
  org: string;
}

export interface Room {
  id: string;
  kind: 'group' | 'direct';
  title: string;
  visibility: 'private' | 'org';
  members: string[];
  created_by: string;
  created_at: number;
  /** When an admin archived the room (ms): read-only since. Absent while it is not archived. */
  archived_at?: number;
}

export interface Message {
  id: string;
  seq: number;
  from: { id: string; name?: string; role: Role };
  /** Absent when deleted. */
  text?: string;
  ts: number;
  reply_to?: string;
  client_msg_id?: string;
  moderation?: { action: 'masked'; reasons: string[] };
  edited_at?: number;
  deleted?: true;
  reactions?: Record<string, number>;
}

export interface PresenceEntry {
  user: string;
  name?: string;
  role: Role;
  status: 'online' | 'away' | 'offline';
  last_seen: number;
  read_seq: number;
}

export interface Hello extends Frame {
  type: 'hello';
  re: string;
  session: string;
  user: User;
  heartbeat_ms: number;
  limits: { max_text: number; max_frame_bytes: number };
}

export interface Joined extends Frame {
  type: 'joined';
  re: string;
  room: Room;
  last_seq: number;
  epoch: string;
  presence: PresenceEntry[];
  missed: Message[];
  recovered: boolean;
}

export interface Ack extends Frame {
  type: 'ack';
  re: string;
  msg_id: string;
  /** 0 while held for review. */
  seq: number;
  ts: number;
  status: 'delivered' | 'masked' | 'held';
}

export interface History extends Frame {
  type: 'history';
  re: string;
  room: string;
  messages: Message[];
  has_more: boolean;
}

export interface ErrorFrame extends Frame {
  type: 'error';
  re?: string;
  code: ErrorCode | string;
  message: string;
  reason?: string;
  retry_after_ms?: number;
}

export interface LeaderboardFrame extends Frame {
  type: 'leaderboard';
  /** Present on the reply to subscribe, absent on pushes. */
  re?: string;
  period: 'week' | 'all';
  room?: string;
  entries: { rank: number; user: string; name?: string; points: number }[];
}

export interface MessagePush extends Frame { type: 'message'; room: string; msg: Message }
export interface MessageEditedPush extends Frame { type: 'message.edited'; room: string; msg_id: string; text: string; edited_at: number; by: string }
export interface MessageDeletedPush extends Frame { type: 'message.deleted'; room: string; msg_id: string; by: string }
export interface ReactionPush extends Frame { type: 'reaction'; room: string; msg_id: string; emoji: string; user: string; on: boolean; count: number }
export interface ReadPush extends Frame { type: 'read'; room: string; user: string; seq: number }
export interface TypingPush extends Frame { type: 'typing'; room: string; user: string; on: boolean }
export interface PresencePush extends Frame { type: 'presence'; room: string; user: string; status: 'online' | 'away' | 'offline'; last_seen: number }
export interface StreakPush extends Frame { type: 'streak'; days: number; best: number }
export interface AchievementPush extends Frame { type: 'achievement'; name: string; at: number }
export interface ModerationPush extends Frame { type: 'moderation'; room: string; msg_id: string; action: string; reason?: string }
export interface ModerationReviewPush extends Frame { type: 'moderation.review'; room: string; msg: Message; scores: Record<string, number>; reasons: string[]; /** urgent: child safety or self-harm, review first */ priority: 'urgent' | 'normal' }
export interface KickedPush extends Frame { type: 'kicked'; room: string; by: string }
/** An admin changed the room's title (server extension). */
export interface RoomUpdatedPush extends Frame { type: 'room.updated'; room: Room; by: string }

/** Recovery after a reconnect was incomplete; reload the room (history()) or start from `messages`. */
export interface GapEvent {
  room: string;
  /** 'too_many_missed': more than recovery_max (or too large); 'epoch_changed': the room's history was reset. */
  reason: 'too_many_missed' | 'epoch_changed';
  /** The last seq the app had seen (the join's `since`). */
  since: number;
  /** The latest messages (not emitted as 'message' events); live messages continue after them. */
  messages: Message[];
  joined: Joined;
}

export interface RealtimeEvents {
  /** Authenticated and every room rejoined (after each reconnect too). */
  connected: Hello;
  /** A connection or connection attempt ended; `code` is null when no socket was opened (getToken failed). */
  disconnected: { code: number | null; reason: string; willReconnect: boolean };
  /** A reconnect is scheduled in `delayMs`. */
  reconnecting: { attempt: number; delayMs: number; code: number | null };
  gap: GapEvent;
  /** Errors that belong to no request: error frames without `re`, failed refreshes or rejoins, a final close. */
  error: RealtimeError;
  message: MessagePush;
  'message.edited': MessageEditedPush;
  'message.deleted': MessageDeletedPush;
  reaction: ReactionPush;
  read: ReadPush;
  typing: TypingPush;
  presence: PresencePush;
  leaderboard: LeaderboardFrame;
  streak: StreakPush;
  achievement: AchievementPush;
  moderation: ModerationPush;
  'moderation.review': ModerationReviewPush;
  kicked: KickedPush;
  'room.updated': RoomUpdatedPush;
}

export type ConnectionState = 'closed' | 'connecting' | 'syncing' | 'connected' | 'reconnecting';

/** What the client needs of a WebSocket: the WHATWG API (browsers, Node 22+, the `ws` package). */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RealtimeClientOptions {
  /** ws(s)://host:port/ws */
  url: string;
  /** Called for every connection attempt and before each refresh; may return a cached token. */
  getToken: () => string | Promise<string>;
  /** Default: globalThis.WebSocket. */
  WebSocket?: new (url: string, protocols?: string | string[]) => WebSocketLike;
  /** Default 10 000. */
  requestTimeoutMs?: number;
  /** Backoff delay: random(0, min(maxMs, baseMs * 2^(attempt - 1))); defaults 500 and 30 000. */
  reconnect?: { baseMs?: number; maxMs?: number };
}

export class RealtimeClient {
  constructor(options: RealtimeClientOptions);

  readonly state: ConnectionState;

  /** The position to resume a joined room from (pass it to join()), or undefined when not joined. */
  position(room: string): { since: number; epoch: string } | undefined;

  on<K extends keyof RealtimeEvents>(type: K, handler: (payload: RealtimeEvents[K]) => void): () => void;
  on(type: '*', handler: (type: string, payload: unknown) => void): () => void;
  /** Frame types this version does not know, by their `type`. */
  on(type: string, handler: (payload: Frame) => void): () => void;
  off(type: string, handler: (...args: any[]) => void): void;

  /** Resolves with the hello once connected (rooms rejoined). The first connect makes one attempt. */
  connect(): Promise<Hello>;
  /** Closes for good; pending requests and queued sends reject with code 'closed'. */
  close(): void;

  /** Sends `frame` with a fresh `id`; resolves with the reply, rejects with a RealtimeError. */
  request<R extends Frame = Frame>(frame: Frame, options?: { timeoutMs?: number }): Promise<R>;

  /** Queued while disconnected and replayed with the same client_msg_id; resolves with the ack. */
  send(room: string, text: string, options?: { replyTo?: string; clientMsgId?: string }): Promise<Ack>;
  join(room: string, options?: { since?: number; epoch?: string }): Promise<Joined>;
  leave(room: string): Promise<void>;
  edit(room: string, msgId: string, text: string): Promise<void>;
  delete(room: string, msgId: string): Promise<void>;
  react(room: string, msgId: string, emoji: string, on?: boolean): Promise<void>;
  /** Default seq: the last message the app has seen in the room. */
  read(room: string, seq?: number): Promise<void>;
  typing(room: string, on?: boolean): Promise<void>;
  setPresence(status: 'online' | 'away'): Promise<void>;
  history(room: string, options?: { before?: number; limit?: number }): Promise<History>;
  createRoom(room: string, options?: { title?: string; visibility?: 'private' | 'org'; members?: string[] }): Promise<Room>;
  openDirect(user: string): Promise<Room>;
  subscribeLeaderboard(options?: { period?: 'week' | 'all'; room?: string }): Promise<LeaderboardFrame>;
  unsubscribeLeaderboard(options?: { period?: 'week' | 'all'; room?: string }): Promise<void>;
  subscribeModeration(): Promise<void>;
  moderate(
    room: string,
    msgId: string,
    action: 'approve' | 'reject' | 'delete' | 'mute',
    options?: { durationMs?: number; reason?: string },
  ): Promise<void>;
}
