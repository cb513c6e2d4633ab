CREATE TABLE "company_logos" (
	"symbol" text PRIMARY KEY NOT NULL,
	"content_type" text NOT NULL,
	"data" text NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "company_profiles" (
	"symbol" text PRIMARY KEY NOT NULL,
	"name" text,
	"exchange" text,
	"currency" text,
	"industry" text,
	"country" text,
	"website" text,
	"ipo" text,
	"logo_source" text,
	"fetched_at" timestamp with time zone NOT NULL
);
