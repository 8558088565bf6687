ALTER TABLE `api_keys` ADD `capture` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `trace_id` text;--> statement-breakpoint
ALTER TABLE `request_log` ADD `detail` text;--> statement-breakpoint
ALTER TABLE `request_log` ADD `body_key` text;--> statement-breakpoint
CREATE INDEX `request_log_tenant_key_idx` ON `request_log` (`tenant_id`,`key_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_log_tenant_model_idx` ON `request_log` (`tenant_id`,`model`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_log_tenant_trace_idx` ON `request_log` (`tenant_id`,`trace_id`);--> statement-breakpoint
ALTER TABLE `routes` ADD `capture` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `log_retention_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `redaction` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `otlp_endpoint` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `otlp_headers_encrypted` text;