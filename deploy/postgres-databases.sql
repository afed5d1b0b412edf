-- One database per service (docker-compose.postgres.yml runs this once, on an empty volume):
-- every service has its own event_outbox and event_inbox tables, so they cannot share one.
CREATE DATABASE users;
CREATE DATABASE notifications;
CREATE DATABASE recommendations;
CREATE DATABASE orders;
