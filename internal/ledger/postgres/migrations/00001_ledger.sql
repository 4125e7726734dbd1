-- The consent ledger: events, the states they add up to, and the
-- suppression entries erasures leave. Recipients are keyed hashes
-- (HMAC-SHA256 of the E.164 number); no phone number is stored.

-- +goose Up
CREATE TABLE ledger_meta (
    name  text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE ledger_events (
    seq         bigserial PRIMARY KEY,
    business_id text        NOT NULL,
    event_id    text        NOT NULL,
    recipient   bytea       NOT NULL,
    kind        smallint    NOT NULL,
    at          timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    channel     text        NOT NULL DEFAULT '',
    wording     text        NOT NULL DEFAULT '',
    scopes      text[]      NOT NULL DEFAULT '{}',
    evidence    jsonb       NOT NULL DEFAULT '{}',
    scope       smallint    NOT NULL DEFAULT 0,
    source      text        NOT NULL DEFAULT '',
    keyword     text        NOT NULL DEFAULT '',
    UNIQUE (business_id, event_id)
);

CREATE INDEX ledger_events_subject ON ledger_events (recipient, business_id);
CREATE INDEX ledger_events_purgeable ON ledger_events (at) WHERE kind IN (1, 3);

-- One row per recipient and business: the latest opt-in (copied from its
-- event, so a Check reads one row), the latest opt-outs and inbound message.
CREATE TABLE ledger_states (
    recipient              bytea NOT NULL,
    business_id            text  NOT NULL,
    opt_in_at              timestamptz,
    opt_in_event           text,
    channel                text,
    wording                text,
    scopes                 text[],
    keyword                text,
    opted_out_at           timestamptz,
    marketing_opted_out_at timestamptz,
    last_inbound_at        timestamptz,
    PRIMARY KEY (recipient, business_id)
);

-- business_id '' stands for every business.
CREATE TABLE ledger_suppressions (
    recipient   bytea       NOT NULL,
    business_id text        NOT NULL,
    erased_at   timestamptz NOT NULL,
    PRIMARY KEY (recipient, business_id)
);

-- +goose Down
DROP TABLE ledger_suppressions;
DROP TABLE ledger_states;
DROP TABLE ledger_events;
DROP TABLE ledger_meta;
