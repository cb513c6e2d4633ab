ALTER TABLE "last_quotes" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "last_quotes" ADD COLUMN "delay_minutes" integer;