-- The conversations' database beside the facility records' (cers): run once, when the volume is new.
CREATE DATABASE cers_conversations OWNER cers;
