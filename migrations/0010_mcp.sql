CREATE TABLE `mcp_servers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`scope` text GENERATED ALWAYS AS (coalesce(tenant_id, '')) VIRTUAL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`headers_encrypted` text,
	`tools` text,
	`tool_prices` text,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mcp_servers_scope_name_uq` ON `mcp_servers` (`scope`,`name`);--> statement-breakpoint
CREATE INDEX `mcp_servers_tenant_idx` ON `mcp_servers` (`tenant_id`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `mcp_tools` text;