CREATE TABLE `read_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`name` text,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `read_tokens_tenant_idx` ON `read_tokens` (`tenant_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `prices` ADD `operator_set` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `request_log` ADD `uncollected_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `family_started_at` integer;