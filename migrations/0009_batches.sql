CREATE TABLE `batch_files` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`provider_id` text NOT NULL,
	`upstream_id` text NOT NULL,
	`purpose` text NOT NULL,
	`filename` text NOT NULL,
	`bytes` integer NOT NULL,
	`model` text,
	`url` text,
	`lines` integer,
	`prompt_token_bound` integer,
	`max_output_tokens` integer,
	`deleted_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `batches` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`key_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`upstream_id` text NOT NULL,
	`input_file_id` text NOT NULL,
	`model` text NOT NULL,
	`url` text NOT NULL,
	`status` text NOT NULL,
	`upstream` text NOT NULL,
	`price` text,
	`batch_discount_bps` integer NOT NULL,
	`reserved_micros` integer NOT NULL,
	`cost_micros` integer,
	`settled_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `batches_open_idx` ON `batches` (`settled_at`);