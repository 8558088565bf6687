CREATE TABLE `end_user_rollups` (
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`end_user` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	`last_seen_at` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `end_user`)
);
--> statement-breakpoint
CREATE TABLE `end_users` (
	`tenant_id` text NOT NULL,
	`end_user` text NOT NULL,
	`rpm_limit` integer,
	`tpm_limit` integer,
	`budget_micros` integer,
	`budget_period` text DEFAULT 'monthly' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer,
	PRIMARY KEY(`tenant_id`, `end_user`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `budget_micros` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `budget_period` text DEFAULT 'monthly' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `budget_mode` text DEFAULT 'hard' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `model_limits` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `prompt_cache` text DEFAULT 'off' NOT NULL;--> statement-breakpoint
ALTER TABLE `prices` ADD `cache_write_5m_per_mtok_micros` integer;--> statement-breakpoint
ALTER TABLE `prices` ADD `cache_write_1h_per_mtok_micros` integer;--> statement-breakpoint
ALTER TABLE `request_log` ADD `cache_write_5m_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `cache_write_1h_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `end_user` text;--> statement-breakpoint
ALTER TABLE `request_log` ADD `input_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `cached_input_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `cache_write_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `output_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `reasoning_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `cache_saved_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `request_log_tenant_end_user_idx` ON `request_log` (`tenant_id`,`end_user`,`created_at`);--> statement-breakpoint
ALTER TABLE `routes` ADD `prompt_cache` text DEFAULT 'off' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `time_zone` text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `end_user_defaults` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `model_limits` text;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `cached_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `cache_write_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `reasoning_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `input_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `cached_input_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `cache_write_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `output_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `reasoning_cost_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_rollups` ADD `cache_saved_micros` integer DEFAULT 0 NOT NULL;