ALTER TABLE `tenants` ADD `stripe_customer_id` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `low_balance_micros` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `alert_webhook_url` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `alert_webhook_secret_version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_stripe_customer_uq` ON `tenants` (`stripe_customer_id`);