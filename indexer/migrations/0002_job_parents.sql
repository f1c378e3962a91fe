-- Version 2: a settled job pays the model's parents from its royalty (JobSettled.to_parents):
-- each parent's share, in the model's order, as a JSON array.
ALTER TABLE jobs ADD COLUMN to_parents TEXT;
