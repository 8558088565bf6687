ALTER TABLE `invitations` ADD `emailed_at` integer;--> statement-breakpoint
CREATE INDEX `invitations_emailed_idx` ON `invitations` (`emailed_at`);