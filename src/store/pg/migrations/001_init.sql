-- 001: every store of the PostgreSQL backend.
-- Keys that lists page by use COLLATE "C", so their order is the byte order JavaScript sorts by,
-- whatever the database's locale. Documents returned whole (procedures, sessions, alias tables,
-- audit values) are `json`, not `jsonb`: json keeps the text as written, so key order survives a
-- round trip (a handoff summary lists a session's vars in the order they were collected).

-- Catalogue: one row per procedure, one row per alias table, one state row.
CREATE TABLE procedures (
  code text COLLATE "C" PRIMARY KEY,
  data json NOT NULL
);

CREATE TABLE alias_tables (
  kind text PRIMARY KEY CHECK (kind IN ('aliases', 'english', 'lexicon')),
  data json NOT NULL
);

-- A single row: the chat path polls the revision every second (one primary-key read).
CREATE TABLE catalogue_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  revision bigint NOT NULL DEFAULT 0,
  seeded boolean NOT NULL DEFAULT false
);
INSERT INTO catalogue_state DEFAULT VALUES;

-- Flows and their immutable versions (numbered under the flow row's lock).
CREATE TABLE flows (
  id text COLLATE "C" PRIMARY KEY,
  current integer NOT NULL DEFAULT 0,
  disabled boolean NOT NULL DEFAULT false,
  draft_yaml text,
  draft_updated_at bigint,
  draft_updated_by text
);

CREATE TABLE flow_versions (
  flow_id text COLLATE "C" NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  yaml text NOT NULL,
  published_at bigint NOT NULL,
  published_by text NOT NULL,
  note text,
  PRIMARY KEY (flow_id, version)
);

CREATE TABLE users (
  name text COLLATE "C" PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('staff', 'admin')),
  password_hash text NOT NULL,
  created_at bigint NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  display_name text
);

-- Audit: newest first by id; `before`/`after` NULL when absent, JSON 'null' when null.
CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  who text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  before json,
  after json
);
CREATE INDEX audit_target ON audit (target, id);

-- Handoffs and their messages: a message is one INSERT, never a rewrite of the transcript.
-- `folded` columns hold fold()ed text for the inbox search (NULL for staff-only notes).
CREATE TABLE handoffs (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  session_key text NOT NULL,
  channel text NOT NULL,
  chat_id text NOT NULL,
  "user" text NOT NULL,
  status text NOT NULL CHECK (status IN ('waiting', 'claimed', 'closed')),
  summary text NOT NULL,
  reason text NOT NULL,
  created_at bigint NOT NULL,
  claimed_by text,
  claimed_at bigint,
  first_reply_at bigint,
  closed_at bigint,
  folded text NOT NULL
);
CREATE INDEX handoffs_session ON handoffs (session_key) WHERE status <> 'closed';
CREATE INDEX handoffs_created ON handoffs (created_at, id);
CREATE INDEX handoffs_status ON handoffs (status, created_at, id);
CREATE INDEX handoffs_closed ON handoffs (closed_at) WHERE status = 'closed';

CREATE TABLE handoff_messages (
  id bigserial PRIMARY KEY,
  handoff bigint NOT NULL REFERENCES handoffs (seq) ON DELETE CASCADE,
  sender text NOT NULL CHECK (sender IN ('citizen', 'bot', 'staff', 'note')),
  text text NOT NULL,
  at bigint NOT NULL,
  staff text,
  folded text
);
CREATE INDEX handoff_messages_handoff ON handoff_messages (handoff, id);

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

-- Admin sign-ins, keyed by a sha256 of the cookie token (the database holds no usable cookie).
CREATE TABLE logins (
  token_hash text PRIMARY KEY,
  seq bigserial NOT NULL,
  "user" text NOT NULL,
  role text NOT NULL CHECK (role IN ('staff', 'admin')),
  csrf text NOT NULL,
  expires bigint NOT NULL
);
CREATE INDEX logins_seq ON logins (seq);
CREATE INDEX logins_user ON logins ("user");
CREATE INDEX logins_expires ON logins (expires);

-- Conversation sessions (used when REDIS_URL is not set).
CREATE TABLE sessions (
  key text COLLATE "C" PRIMARY KEY,
  updated_at bigint NOT NULL,
  data json NOT NULL
);
CREATE INDEX sessions_updated ON sessions (updated_at);

-- The last lines of each conversation (handoff summaries, drop-off texts). jsonb, so an append
-- is one statement that concatenates and trims the array under the row's lock.
CREATE TABLE transcripts (
  key text PRIMARY KEY,
  updated_at bigint NOT NULL,
  lines jsonb NOT NULL
);
CREATE INDEX transcripts_updated ON transcripts (updated_at);

-- Analytics events, already pseudonymised and masked. Inserts are serialised (advisory lock),
-- so ids become visible in order and a reader that continues after the last id skips nothing.
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX events_at ON events (at);
