"""Using a deployed stack: recommendations, events and batch predictions, with
campaigns, trackers and filters found by experiment name in the stack's outputs."""
