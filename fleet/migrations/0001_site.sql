-- The site's records: one row per bench entity, keyed by the bench
-- (station) and the entity's own id, so a repeated push is an upsert.
-- Times are timestamptz; bodies the benches read back whole are jsonb or
-- the store's compact bytes.

CREATE TABLE stations (
    station    text PRIMARY KEY,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    version    text NOT NULL DEFAULT ''
);

-- Orders as imported on any bench; another bench that scans one it does
-- not hold reads it here.
CREATE TABLE orders (
    order_ref  text PRIMARY KEY,
    station    text NOT NULL,
    body       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Who packs an order: one row per order, so two benches cannot both
-- claim it (the primary key decides).
CREATE TABLE claims (
    order_ref  text PRIMARY KEY,
    station    text NOT NULL,
    claimed_at timestamptz NOT NULL
);

-- Claims a bench made while cut off that clashed with another bench's.
CREATE TABLE claim_conflicts (
    order_ref        text NOT NULL,
    station          text NOT NULL,
    claimed_at       timestamptz NOT NULL,
    other_station    text NOT NULL,
    other_claimed_at timestamptz NOT NULL,
    detected_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz,
    note             text NOT NULL DEFAULT '',
    PRIMARY KEY (order_ref, station)
);

CREATE TABLE shipments (
    station     text NOT NULL,
    order_ref   text NOT NULL,
    carrier     text NOT NULL,
    service     text NOT NULL DEFAULT '',
    shipment_id text NOT NULL DEFAULT '',
    tracking_id text NOT NULL DEFAULT '',
    item_ids    text[] NOT NULL DEFAULT '{}',
    weight_g    bigint NOT NULL DEFAULT 0,
    country     text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT '',
    booked_at   timestamptz NOT NULL,
    printed_at  timestamptz,
    printer     text NOT NULL DEFAULT '',
    reprints    int NOT NULL DEFAULT 0,
    offline     boolean NOT NULL DEFAULT false,
    synced_at   timestamptz,
    adopted     boolean NOT NULL DEFAULT false,
    cancelled   timestamptz,
    request_id  text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station, order_ref)
);
CREATE INDEX shipments_booked ON shipments (booked_at);
CREATE INDEX shipments_tracking ON shipments (tracking_id);
CREATE INDEX shipments_order ON shipments (order_ref);
-- An event's order by any item of a multi-parcel shipment (item_ids @> …).
CREATE INDEX shipments_items ON shipments USING gin (item_ids);

-- The benches' booking outboxes, state by state (the supervisor's "what
-- is still queued where").
CREATE TABLE outbox (
    station    text NOT NULL,
    entry_id   text NOT NULL,
    order_ref  text NOT NULL,
    carrier    text NOT NULL,
    state      text NOT NULL,
    attempts   int NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    created    timestamptz NOT NULL,
    updated    timestamptz NOT NULL,
    PRIMARY KEY (station, entry_id)
);
CREATE INDEX outbox_open ON outbox (state) WHERE state NOT IN ('booked', 'cancelled');

-- Labels not yet confirmed printed (reprints included); a confirmed job is
-- deleted, as on the bench.
CREATE TABLE print_jobs (
    station   text NOT NULL,
    job_id    text NOT NULL,
    order_ref text NOT NULL,
    state     text NOT NULL,
    reprint   boolean NOT NULL DEFAULT false,
    body      jsonb NOT NULL,
    updated   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station, job_id)
);

-- Tracking events, once each (the carrier's event key per item).
CREATE TABLE events (
    item_id   text NOT NULL,
    event_key text NOT NULL,
    station   text NOT NULL,
    order_ref text NOT NULL,
    at        timestamptz NOT NULL,
    status    text NOT NULL DEFAULT '',
    body      jsonb NOT NULL,
    PRIMARY KEY (item_id, event_key)
);
CREATE INDEX events_at ON events (at);

-- The dashboard's input: one compact summary per shipment (the store's
-- bytes, store.EncodeTrackSummary), with the columns queries select on.
CREATE TABLE track_summaries (
    station     text NOT NULL,
    order_ref   text NOT NULL,
    item_id     text NOT NULL DEFAULT '',
    carrier     text NOT NULL DEFAULT '',
    booked_at   timestamptz NOT NULL,
    status      text NOT NULL DEFAULT '',
    open        boolean NOT NULL DEFAULT true,
    last_polled timestamptz,
    body        bytea NOT NULL,
    PRIMARY KEY (station, order_ref)
);
CREATE INDEX track_summaries_booked ON track_summaries (booked_at) INCLUDE (station, body);
CREATE INDEX track_summaries_open ON track_summaries (last_polled NULLS FIRST) WHERE open;
CREATE INDEX track_summaries_item ON track_summaries (item_id);

-- Look-ups the site's poller made per day (the daily cap is the site's).
CREATE TABLE track_lookups (
    day date PRIMARY KEY,
    n   int NOT NULL DEFAULT 0
);

-- News for a bench about its parcels: written with the events by the
-- site's poller, read and deleted by the bench once recorded locally.
CREATE TABLE inbox (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station   text NOT NULL,
    order_ref text NOT NULL,
    item_id   text NOT NULL,
    event_key text NOT NULL DEFAULT '' -- '' : a status or summary change without a new event
);
CREATE INDEX inbox_station ON inbox (station, id);

-- Who polls for the site: the bench holding the advisory lock keeps this
-- row's heartbeat fresh.
CREATE TABLE poller_lease (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    station text NOT NULL,
    since   timestamptz NOT NULL,
    beat    timestamptz NOT NULL
);
