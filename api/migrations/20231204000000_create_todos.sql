-- Times are stored as UTC wall-clock values; the API prints them without an offset.
CREATE TABLE todos (
    id          BIGSERIAL PRIMARY KEY,
    title       VARCHAR(80)  NOT NULL,
    description VARCHAR(120),
    completed   BOOLEAN      NOT NULL DEFAULT FALSE,
    deadline_at TIMESTAMP,
    created_at  TIMESTAMP    NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at  TIMESTAMP    NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

-- The list endpoint returns newest first.
CREATE INDEX todos_newest_first ON todos (created_at DESC, id DESC);
