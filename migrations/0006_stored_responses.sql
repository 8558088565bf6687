CREATE TABLE `stored_response_items` (
	`tenant_id` text NOT NULL,
	`item_id` text NOT NULL,
	`response_id` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `item_id`)
);
--> statement-breakpoint
CREATE INDEX `stored_response_items_response_idx` ON `stored_response_items` (`tenant_id`,`response_id`);--> statement-breakpoint
CREATE TABLE `stored_response_parts` (
	`tenant_id` text NOT NULL,
	`response_id` text NOT NULL,
	`seq` integer NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `response_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `stored_responses` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`key_id` text NOT NULL,
	`model` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`parts` integer NOT NULL,
	`bytes` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stored_responses_expiry_idx` ON `stored_responses` (`tenant_id`,`expires_at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `response_retention_days` integer DEFAULT 30 NOT NULL;