-- The sample's orders on PostgreSQL (the jdbc profile). Safe to run again.
CREATE TABLE IF NOT EXISTS sample_order (
    id UUID NOT NULL PRIMARY KEY,
    item VARCHAR(255) NOT NULL,
    quantity INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
