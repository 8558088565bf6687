ALTER TABLE `mcp_servers` ADD `transport` text DEFAULT 'streamable-http' NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `request_bytes` integer;--> statement-breakpoint
ALTER TABLE `request_log` ADD `response_bytes` integer;