-- processed_events is pruned by age (ProcessedEventsPruner): the index keeps each batch cheap.
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);
