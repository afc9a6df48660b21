-- Blobs belong to the photo records that name them, and partial uploads to their uploader
-- (issue 11, items 4 and 5).
--
-- A partial upload was one row per SHA-256 whoever sent it: a user of another village could
-- send junk under the name of someone's photo with another total, and the owner's real
-- upload then got 409 for ever. Now each uploader holds a partial of their own, which
-- expires; `blobs` keeps complete, verified blobs only, shared by every photo record that
-- names them.
CREATE TABLE blob_uploads (
    sha256      TEXT NOT NULL,
    uploader    TEXT NOT NULL,            -- the user's id
    total       INTEGER NOT NULL,
    held        INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (sha256, uploader)
) WITHOUT ROWID;
CREATE INDEX blob_uploads_age ON blob_uploads (updated_ms);

CREATE TABLE blob_upload_chunks (
    sha256   TEXT NOT NULL,
    uploader TEXT NOT NULL,
    offset   INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (sha256, uploader, offset),
    FOREIGN KEY (sha256, uploader) REFERENCES blob_uploads (sha256, uploader) ON DELETE CASCADE
) WITHOUT ROWID;

INSERT INTO blob_uploads (sha256, uploader, total, held, updated_ms)
    SELECT sha256, uploaded_by, total, held, updated_ms FROM blobs WHERE complete = 0;
INSERT INTO blob_upload_chunks (sha256, uploader, offset, bytes)
    SELECT c.sha256, b.uploaded_by, c.offset, c.bytes
    FROM blob_chunks c JOIN blobs b ON b.sha256 = c.sha256 WHERE b.complete = 0;
DELETE FROM blob_chunks;
DELETE FROM blobs WHERE complete = 0;

-- The photo records naming a blob (as their photo or their thumbnail): a blob may be read
-- and written by whoever may see one of them.
CREATE INDEX fields_blob ON fields (value) WHERE path IN ('sha256', 'thumb_sha256');
