BEGIN TRANSACTION;
CREATE TABLE contact (
	id INTEGER NOT NULL, 
	salutation VARCHAR(20), 
	first_name VARCHAR(80), 
	last_name VARCHAR(80) NOT NULL, 
	email VARCHAR(254), 
	email_normalised VARCHAR(254), 
	secondary_email VARCHAR(254), 
	office_phone VARCHAR(40), 
	mobile_phone VARCHAR(40), 
	home_phone VARCHAR(40), 
	title VARCHAR(100), 
	department VARCHAR(100), 
	organization VARCHAR(120), 
	birthday DATE, 
	mailing_street VARCHAR(250), 
	mailing_city VARCHAR(100), 
	mailing_state VARCHAR(100), 
	mailing_zip VARCHAR(20), 
	mailing_country VARCHAR(100), 
	description TEXT, 
	email_opt_out BOOLEAN NOT NULL, 
	owner_id INTEGER, 
	created_at DATETIME NOT NULL, 
	modified_at DATETIME NOT NULL, 
	deleted_at DATETIME, 
	CONSTRAINT pk_contact PRIMARY KEY (id), 
	CONSTRAINT fk_contact_owner_id_crm_user FOREIGN KEY(owner_id) REFERENCES crm_user (id)
);
INSERT INTO "contact" VALUES(1,'Dr.','Ada','Lovelace','ADA@example.com','ada@example.com',NULL,'+44 20 7946 0001',NULL,NULL,'Analyst','Engines','Analytical Society','1815-12-10','12 St James''s Square','London',NULL,'SW1Y 4JH','United Kingdom','First program.
Second line, with ''quotes'' and ünïcödé.',0,1,'2026-11-30 18:12:40.539259','2026-11-30 18:12:40.539259',NULL);
INSERT INTO "contact" VALUES(2,NULL,'Katherine','Johnson','katherine@example.com','katherine@example.com',NULL,NULL,'+1 757 555 0100',NULL,'Mathematician',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1,'2026-11-30 18:12:40.563308','2026-11-30 18:12:41.285654',NULL);
INSERT INTO "contact" VALUES(3,NULL,'Edsger','Dijkstra','edsger@example.com','edsger@example.com',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1,'2026-11-30 18:12:40.582465','2026-11-30 18:12:41.287614','2026-11-30 18:12:41.287603');
INSERT INTO "contact" VALUES(4,NULL,'No','Email',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1,'2026-11-30 18:12:40.583587','2026-11-30 18:12:40.583587',NULL);
INSERT INTO "contact" VALUES(5,NULL,'Grace','Hopper','grace@example.com','grace@example.com',NULL,NULL,NULL,NULL,'Commodore 1',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,1,'2026-11-30 18:12:41.151786','2026-11-30 18:12:41.540807',NULL);
INSERT INTO "contact" VALUES(6,NULL,'Alan','Turing','alan@example.com','alan@example.com',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1,1,'2026-11-30 18:12:41.151786','2026-11-30 18:12:41.151786',NULL);
CREATE TABLE crm_change (
	id INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	module VARCHAR(64) NOT NULL, 
	record_id INTEGER NOT NULL, 
	op VARCHAR(16) NOT NULL, 
	user_id INTEGER, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_crm_change PRIMARY KEY (id), 
	CONSTRAINT uq_crm_change_seq UNIQUE (seq)
);
INSERT INTO "crm_change" VALUES(1,1,'contacts',1,'create',1,'2026-11-30 18:12:40.563141');
INSERT INTO "crm_change" VALUES(2,2,'contacts',2,'create',1,'2026-11-30 18:12:40.582348');
INSERT INTO "crm_change" VALUES(3,3,'contacts',3,'create',1,'2026-11-30 18:12:40.583529');
INSERT INTO "crm_change" VALUES(4,4,'contacts',4,'create',1,'2026-11-30 18:12:40.599678');
INSERT INTO "crm_change" VALUES(5,5,'contacts',5,'create',1,'2026-11-30 18:12:41.154954');
INSERT INTO "crm_change" VALUES(6,6,'contacts',6,'create',1,'2026-11-30 18:12:41.154954');
INSERT INTO "crm_change" VALUES(7,7,'contacts',1,'update',1,'2026-11-30 18:12:41.161455');
INSERT INTO "crm_change" VALUES(8,8,'contacts',2,'update',1,'2026-11-30 18:12:41.287062');
INSERT INTO "crm_change" VALUES(9,9,'contacts',3,'delete',1,'2026-11-30 18:12:41.309359');
INSERT INTO "crm_change" VALUES(10,10,'contacts',5,'update',1,'2026-11-30 18:12:41.355616');
INSERT INTO "crm_change" VALUES(11,11,'contacts',5,'update',1,'2026-11-30 18:12:41.542152');
CREATE TABLE crm_connection (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	connector VARCHAR(64) NOT NULL, 
	client_id VARCHAR(255) NOT NULL, 
	client_secret_enc TEXT, 
	auth_url VARCHAR(500) NOT NULL, 
	token_url VARCHAR(500) NOT NULL, 
	api_url VARCHAR(500) NOT NULL, 
	revoke_url VARCHAR(500), 
	redirect_uri VARCHAR(500) NOT NULL, 
	scopes VARCHAR(500) NOT NULL, 
	state VARCHAR(32) NOT NULL, 
	token_enc TEXT, 
	token_expires_at DATETIME, 
	granted_scopes VARCHAR(500), 
	options JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_crm_connection PRIMARY KEY (id), 
	CONSTRAINT uq_crm_connection_user_id_connector UNIQUE (user_id, connector), 
	CONSTRAINT fk_crm_connection_user_id_crm_user FOREIGN KEY(user_id) REFERENCES crm_user (id)
);
INSERT INTO "crm_connection" VALUES(1,1,'constant-contact','35dffa9e-6485-4bc2-be50-2379112bb05c','gAAAAABrDbyY3_d1UHRWXyHVuTeI2Vim7j2NTZZhprHjnaT5ODyMtf44tGd3mY-G16X19LBdBDLNspTnB8rZGfYX_yZWGpOWgRNA4csevynjT87rSJjVUxs_Ow3YJOiwYOMU8y4cpVpf','http://127.0.0.1:34703/oauth2/default/v1/authorize','http://127.0.0.1:34703/oauth2/default/v1/token','http://127.0.0.1:34703/v3','http://127.0.0.1:34703/oauth2/default/v1/revoke','http://127.0.0.1:43019/callback','contact_data offline_access','signed in','gAAAAABrDbyZPJPDDI43IKvDekVwalxskIR7d8uKMzPYhDx2z4EN8qbosOzI1Gw4-1I7y9Ti_4YIF6AzZ9jDJAyRG9mxXh67ZvHj5y1L-I6XvHOUW33Qaf0o411J6C50-B9pNH09DnSQvhh4wJv7bS58z4AterfwjI4cE16g0DqWTPN5BvygFKcCykadjn8S4SpQ7gBZP2g7IOwxYKrA8kEWnRG7obZ3SdWbLarsuUfnk7n2ZeJFt0DSYuSw8ADN_ZyXZI0IZ-QYSvyMghMkkE8OUyw0-mkI4uZ0SpBoc_Q5K2jxSjVtIJw0l1th_DM0KYYszI4HlgN-XmbzkcszENVf6NvMhz-ZA4QTeMbJflM000czHIJXh_klPLW7NjWBMS92wkGYaGm63g5B36Khxy6GrjhqL2l14sksOY3fNX_e8l42cXQYawqCD5gmxXYScQ-y9z-n0FjwQb6fqAWlEXpvYhaJLXqFe__-ACT_bo2ajmc0xiPG3RuUpYJn9sNSylwhAnQ8Z1fFCYB9kC_vKslk0mszDeN4kra9rEVVHt3WiV57Wz_brNXAmSwYsUr6k5hgnFF2hRC1UckEcNF9Pk8BoPEXHPBy0rshgECF_JGrfW92EYPQKDlc-DTFA9D9PVKU1ww51bKSWqhDRs4l7llidKC-ONkd8nzw84W2zXAZtknpxvD555EV9u_6747v2P0X5HAj8bQ23xjLfS35W_Cacjbq_Y3j-amW4OmtDZegyRKVvDyw96xO9Ri6oDmY1bwTM2_LxhyU-XVt2g0j4ExaGnhDTB7hm2EfgVSXIJcBfk1ngQpgHkQra_MLhIK5a57dLq2dbfi8JO3e_Yr9eaMxW4YJxRbCDODz3rx2JX7oDV2mwntwLjs=','2026-12-01 18:12:41.010756','contact_data offline_access','{"http": {"rate_per_second": null}}','2026-11-30 18:12:40.654685','2026-11-30 18:12:41.013238');
CREATE TABLE crm_counter (
	name VARCHAR(32) NOT NULL, 
	value INTEGER NOT NULL, 
	CONSTRAINT pk_crm_counter PRIMARY KEY (name)
);
INSERT INTO "crm_counter" VALUES('change',11);
CREATE TABLE crm_extension (
	name VARCHAR(64) NOT NULL, 
	version VARCHAR(32) NOT NULL, 
	installed_at DATETIME NOT NULL, 
	installed_by INTEGER, 
	CONSTRAINT pk_crm_extension PRIMARY KEY (name), 
	CONSTRAINT fk_crm_extension_installed_by_crm_user FOREIGN KEY(installed_by) REFERENCES crm_user (id)
);
INSERT INTO "crm_extension" VALUES('contacts','0.1.0','2026-11-30 18:12:40.481805',1);
INSERT INTO "crm_extension" VALUES('constant-contact','0.1.0','2026-11-30 18:12:40.524580',1);
CREATE TABLE crm_key_check (
	id INTEGER NOT NULL, 
	token VARCHAR NOT NULL, 
	CONSTRAINT pk_crm_key_check PRIMARY KEY (id)
);
INSERT INTO "crm_key_check" VALUES(1,'gAAAAABrDbyYyUewTWDRpkO04fCFVAENqMeOaQhrfXLA_9nmr_pNXpteUJaC4yDbK50dAcTr7xwaxmDn5tWCAdkfFUulNdcGXQ==');
CREATE TABLE crm_sync_checkpoint (
	connection_id INTEGER NOT NULL, 
	module VARCHAR(64) NOT NULL, 
	crm_seq INTEGER NOT NULL, 
	remote_high_water DATETIME, 
	remote_settled BOOLEAN NOT NULL, 
	retry_ids JSON, 
	running_run_id INTEGER, 
	lock_holder VARCHAR(128), 
	heartbeat_at DATETIME, 
	CONSTRAINT pk_crm_sync_checkpoint PRIMARY KEY (connection_id, module), 
	CONSTRAINT fk_crm_sync_checkpoint_connection_id_crm_connection FOREIGN KEY(connection_id) REFERENCES crm_connection (id)
);
INSERT INTO "crm_sync_checkpoint" VALUES(1,'contacts',11,'2026-11-30 18:12:41.509174',0,'null',NULL,NULL,NULL);
CREATE TABLE crm_sync_debug (
	id INTEGER NOT NULL, 
	connection_id INTEGER NOT NULL, 
	run_id INTEGER, 
	at DATETIME NOT NULL, 
	method VARCHAR(8) NOT NULL, 
	url TEXT, 
	status INTEGER, 
	elapsed_ms INTEGER, 
	request TEXT, 
	response TEXT, 
	CONSTRAINT pk_crm_sync_debug PRIMARY KEY (id), 
	CONSTRAINT fk_crm_sync_debug_connection_id_crm_connection FOREIGN KEY(connection_id) REFERENCES crm_connection (id)
);
INSERT INTO "crm_sync_debug" VALUES(1,1,1,'2026-11-30 18:12:41.179463','GET','http://127.0.0.1:34703/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses',200,5,NULL,'{"contacts": [{"contact_id": "379082bf-5478-49a6-a425-ec2609b0cd74", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.537935Z", "updated_at": "2026-11-30T18:12:40.537935Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.537935Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear Admiral", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538015Z", "updated_at": "2026-11-30T18:12:40.538015Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "5d9db897-d891-4e5e-b2dc-90defff16789", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:40.538080Z", "updated_at": "2026-11-30T18:12:40.538080Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:40.538080Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538127Z", "updated_at": "2026-11-30T18:12:40.538127Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ada@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:40.538151Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:40.538168Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO "crm_sync_debug" VALUES(2,1,1,'2026-11-30 18:12:41.251037','GET','http://127.0.0.1:34703/v3/contacts/7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463?include=phone_numbers%2Cstreet_addresses',200,3,NULL,'{"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ada@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:40.538151Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:40.538168Z", "phone_numbers": [], "street_addresses": []}');
INSERT INTO "crm_sync_debug" VALUES(3,1,1,'2026-11-30 18:12:41.251327','PUT','http://127.0.0.1:34703/v3/contacts/7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463',200,5,'{"first_name": "Ada", "last_name": "Lovelace", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "email_address": {"address": "ADA@example.com"}, "phone_numbers": [{"phone_number": "+44 20 7946 0001", "kind": "work"}], "street_addresses": [{"kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}], "update_source": "Account"}','{"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:41.216616Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:41.216695Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "custom_fields": [], "phone_numbers": [{"phone_number_id": "e32b6d67-0bae-47fa-8126-f98fc49c17d5", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "street_addresses": [{"street_address_id": "e286e4e2-0c3a-4cf4-bcce-da82dc914b65", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "list_memberships": [], "taggings": [], "notes": []}');
INSERT INTO "crm_sync_debug" VALUES(4,1,1,'2026-11-30 18:12:41.251447','GET','http://127.0.0.1:34703/v3/contact_lists?name=CRM+contacts&limit=1000',200,6,NULL,'{"lists": []}');
INSERT INTO "crm_sync_debug" VALUES(5,1,1,'2026-11-30 18:12:41.251676','POST','http://127.0.0.1:34703/v3/contact_lists',201,1,'{"name": "CRM contacts", "favorite": false, "description": "Contacts added by the CRM''s sync."}','{"list_id": "f7a6c32b-e644-47fd-b60c-9d28acd63c38", "name": "CRM contacts", "favorite": false, "created_at": "2026-11-30T18:12:41.227026Z", "updated_at": "2026-11-30T18:12:41.227026Z", "description": "Contacts added by the CRM''s sync."}');
INSERT INTO "crm_sync_debug" VALUES(6,1,1,'2026-11-30 18:12:41.251677','POST','http://127.0.0.1:34703/v3/contacts',201,6,'{"first_name": "Katherine", "last_name": "Johnson", "email_address": {"address": "katherine@example.com"}, "phone_numbers": [{"phone_number": "+1 757 555 0100", "kind": "mobile"}], "street_addresses": [], "create_source": "Account", "list_memberships": ["f7a6c32b-e644-47fd-b60c-9d28acd63c38"]}','{"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.233228Z", "custom_fields": [], "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": [], "list_memberships": ["f7a6c32b-e644-47fd-b60c-9d28acd63c38"], "taggings": [], "notes": []}');
INSERT INTO "crm_sync_debug" VALUES(7,1,1,'2026-11-30 18:12:41.251678','POST','http://127.0.0.1:34703/v3/contacts',201,1,'{"first_name": "Edsger", "last_name": "Dijkstra", "email_address": {"address": "edsger@example.com"}, "phone_numbers": [], "street_addresses": [], "create_source": "Account", "list_memberships": ["f7a6c32b-e644-47fd-b60c-9d28acd63c38"]}','{"contact_id": "462105c7-3ba7-447f-b0ae-2ddab42f3e7f", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.235253Z", "updated_at": "2026-11-30T18:12:41.235253Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.235253Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.235294Z", "updated_at": "2026-11-30T18:12:41.235294Z", "custom_fields": [], "phone_numbers": [], "street_addresses": [], "list_memberships": ["f7a6c32b-e644-47fd-b60c-9d28acd63c38"], "taggings": [], "notes": []}');
INSERT INTO "crm_sync_debug" VALUES(8,1,1,'2026-11-30 18:12:41.263076','GET','http://127.0.0.1:34703/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A38.538Z',200,2,NULL,'{"contacts": [{"contact_id": "379082bf-5478-49a6-a425-ec2609b0cd74", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.537935Z", "updated_at": "2026-11-30T18:12:40.537935Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.537935Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear Admiral", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538015Z", "updated_at": "2026-11-30T18:12:40.538015Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "5d9db897-d891-4e5e-b2dc-90defff16789", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:40.538080Z", "updated_at": "2026-11-30T18:12:40.538080Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:40.538080Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538127Z", "updated_at": "2026-11-30T18:12:40.538127Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:41.216616Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:41.216695Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "e32b6d67-0bae-47fa-8126-f98fc49c17d5", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "street_addresses": [{"street_address_id": "e286e4e2-0c3a-4cf4-bcce-da82dc914b65", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}]}, {"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.233228Z", "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": []}, {"contact_id": "462105c7-3ba7-447f-b0ae-2ddab42f3e7f", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.235253Z", "updated_at": "2026-11-30T18:12:41.235253Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.235253Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.235294Z", "updated_at": "2026-11-30T18:12:41.235294Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO "crm_sync_debug" VALUES(9,1,2,'2026-11-30 18:12:41.367456','GET','http://127.0.0.1:34703/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A39.235Z',200,13,NULL,'{"contacts": [{"contact_id": "5d9db897-d891-4e5e-b2dc-90defff16789", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:40.538080Z", "updated_at": "2026-11-30T18:12:40.538080Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:40.538080Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538127Z", "updated_at": "2026-11-30T18:12:40.538127Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:41.216616Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:41.216695Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "e32b6d67-0bae-47fa-8126-f98fc49c17d5", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "street_addresses": [{"street_address_id": "e286e4e2-0c3a-4cf4-bcce-da82dc914b65", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}]}, {"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.233228Z", "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": []}, {"contact_id": "462105c7-3ba7-447f-b0ae-2ddab42f3e7f", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.235253Z", "updated_at": "2026-11-30T18:12:41.235253Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.235253Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.235294Z", "updated_at": "2026-11-30T18:12:41.235294Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "379082bf-5478-49a6-a425-ec2609b0cd74", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.537935Z", "updated_at": "2026-11-30T18:12:40.537935Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.537935Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 0", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538015Z", "updated_at": "2026-11-30T18:12:41.310227Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO "crm_sync_debug" VALUES(10,1,2,'2026-11-30 18:12:41.474676','GET','http://127.0.0.1:34703/v3/contacts/e1553225-8a0e-446e-bb34-1d0229f7f171?include=phone_numbers%2Cstreet_addresses',200,4,NULL,'{"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.233228Z", "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": []}');
INSERT INTO "crm_sync_debug" VALUES(11,1,2,'2026-11-30 18:12:41.474778','PUT','http://127.0.0.1:34703/v3/contacts/e1553225-8a0e-446e-bb34-1d0229f7f171',200,18,'{"first_name": "Katherine", "last_name": "Johnson", "job_title": "Mathematician", "email_address": {"address": "katherine@example.com"}, "phone_numbers": [{"phone_number": "+1 757 555 0100", "kind": "mobile"}], "street_addresses": [], "update_source": "Account"}','{"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.436783Z", "job_title": "Mathematician", "custom_fields": [], "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": [], "list_memberships": ["f7a6c32b-e644-47fd-b60c-9d28acd63c38"], "taggings": [], "notes": []}');
INSERT INTO "crm_sync_debug" VALUES(12,1,2,'2026-11-30 18:12:41.475047','DELETE','http://127.0.0.1:34703/v3/contacts/462105c7-3ba7-447f-b0ae-2ddab42f3e7f',204,16,NULL,NULL);
INSERT INTO "crm_sync_debug" VALUES(13,1,2,'2026-11-30 18:12:41.500980','GET','http://127.0.0.1:34703/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A39.310Z',200,3,NULL,'{"contacts": [{"contact_id": "5d9db897-d891-4e5e-b2dc-90defff16789", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:40.538080Z", "updated_at": "2026-11-30T18:12:40.538080Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:40.538080Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538127Z", "updated_at": "2026-11-30T18:12:40.538127Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:41.216616Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:41.216695Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "e32b6d67-0bae-47fa-8126-f98fc49c17d5", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "street_addresses": [{"street_address_id": "e286e4e2-0c3a-4cf4-bcce-da82dc914b65", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}]}, {"contact_id": "379082bf-5478-49a6-a425-ec2609b0cd74", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.537935Z", "updated_at": "2026-11-30T18:12:40.537935Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.537935Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 0", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538015Z", "updated_at": "2026-11-30T18:12:41.310227Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.436783Z", "job_title": "Mathematician", "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": []}, {"contact_id": "462105c7-3ba7-447f-b0ae-2ddab42f3e7f", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.235253Z", "updated_at": "2026-11-30T18:12:41.235253Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.235253Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.235294Z", "updated_at": "2026-11-30T18:12:41.443269Z", "deleted_at": "2026-11-30", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO "crm_sync_debug" VALUES(14,1,3,'2026-11-30 18:12:41.559162','GET','http://127.0.0.1:34703/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A39.443Z',200,9,NULL,'{"contacts": [{"contact_id": "5d9db897-d891-4e5e-b2dc-90defff16789", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:40.538080Z", "updated_at": "2026-11-30T18:12:40.538080Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:40.538080Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538127Z", "updated_at": "2026-11-30T18:12:40.538127Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:41.216616Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:41.216695Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "e32b6d67-0bae-47fa-8126-f98fc49c17d5", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "street_addresses": [{"street_address_id": "e286e4e2-0c3a-4cf4-bcce-da82dc914b65", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}]}, {"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.436783Z", "job_title": "Mathematician", "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": []}, {"contact_id": "462105c7-3ba7-447f-b0ae-2ddab42f3e7f", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.235253Z", "updated_at": "2026-11-30T18:12:41.235253Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.235253Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.235294Z", "updated_at": "2026-11-30T18:12:41.443269Z", "deleted_at": "2026-11-30", "phone_numbers": [], "street_addresses": []}, {"contact_id": "379082bf-5478-49a6-a425-ec2609b0cd74", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.537935Z", "updated_at": "2026-11-30T18:12:40.537935Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.537935Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 1", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538015Z", "updated_at": "2026-11-30T18:12:41.509174Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO "crm_sync_debug" VALUES(15,1,4,'2026-11-30 18:12:41.692056','GET','http://127.0.0.1:34703/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A39.509Z',200,10,NULL,'{"contacts": [{"contact_id": "5d9db897-d891-4e5e-b2dc-90defff16789", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:40.538080Z", "updated_at": "2026-11-30T18:12:40.538080Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:40.538080Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538127Z", "updated_at": "2026-11-30T18:12:40.538127Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.538151Z", "updated_at": "2026-11-30T18:12:41.216616Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.538151Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538168Z", "updated_at": "2026-11-30T18:12:41.216695Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "e32b6d67-0bae-47fa-8126-f98fc49c17d5", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}], "street_addresses": [{"street_address_id": "e286e4e2-0c3a-4cf4-bcce-da82dc914b65", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:41.216616Z", "updated_at": "2026-11-30T18:12:41.216616Z"}]}, {"contact_id": "e1553225-8a0e-446e-bb34-1d0229f7f171", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.233164Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.233228Z", "updated_at": "2026-11-30T18:12:41.436783Z", "job_title": "Mathematician", "phone_numbers": [{"phone_number_id": "a28f66e3-9676-49d5-bff6-f3d88e3cd9ee", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:41.233164Z", "updated_at": "2026-11-30T18:12:41.233164Z"}], "street_addresses": []}, {"contact_id": "462105c7-3ba7-447f-b0ae-2ddab42f3e7f", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:41.235253Z", "updated_at": "2026-11-30T18:12:41.235253Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:41.235253Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:41.235294Z", "updated_at": "2026-11-30T18:12:41.443269Z", "deleted_at": "2026-11-30", "phone_numbers": [], "street_addresses": []}, {"contact_id": "379082bf-5478-49a6-a425-ec2609b0cd74", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:40.537935Z", "updated_at": "2026-11-30T18:12:40.537935Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:40.537935Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 1", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:40.538015Z", "updated_at": "2026-11-30T18:12:41.509174Z", "phone_numbers": [], "street_addresses": []}]}');
CREATE TABLE crm_sync_link (
	id INTEGER NOT NULL, 
	connection_id INTEGER NOT NULL, 
	module VARCHAR(64) NOT NULL, 
	record_id INTEGER NOT NULL, 
	remote_id VARCHAR(128) NOT NULL, 
	crm_fingerprint VARCHAR(64), 
	remote_fingerprint VARCHAR(64), 
	remote_updated_at DATETIME, 
	remote_values JSON, 
	crm_deleted BOOLEAN NOT NULL, 
	remote_deleted BOOLEAN NOT NULL, 
	synced_at DATETIME NOT NULL, 
	CONSTRAINT pk_crm_sync_link PRIMARY KEY (id), 
	CONSTRAINT uq_crm_sync_link_connection_id_module_record_id UNIQUE (connection_id, module, record_id), 
	CONSTRAINT uq_crm_sync_link_connection_id_module_remote_id UNIQUE (connection_id, module, remote_id), 
	CONSTRAINT fk_crm_sync_link_connection_id_crm_connection FOREIGN KEY(connection_id) REFERENCES crm_connection (id)
);
INSERT INTO "crm_sync_link" VALUES(1,1,'contacts',1,'7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463','fd9fa10acf394d217fa5348c31ae94af','fd9fa10acf394d217fa5348c31ae94af','2026-11-30 18:12:41.216695','{"first_name": "Ada", "last_name": "Lovelace", "email_address": "ADA@example.com", "home_phone": null, "work_phone": "+44 20 7946 0001", "mobile_phone": null, "home_street": "12 St James''s Square", "home_city": "London", "home_state": null, "home_postal_code": "SW1Y 4JH", "home_country": "United Kingdom", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "permission_to_send": "implicit"}',0,0,'2026-11-30 18:12:41.237057');
INSERT INTO "crm_sync_link" VALUES(2,1,'contacts',5,'379082bf-5478-49a6-a425-ec2609b0cd74','9dd3c4fe7e89ce7b2d9fde9148cf0d5a','9dd3c4fe7e89ce7b2d9fde9148cf0d5a','2026-11-30 18:12:41.509174','{"first_name": "Grace", "last_name": "Hopper", "email_address": "grace@example.com", "home_phone": null, "work_phone": null, "mobile_phone": null, "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": "Commodore 1", "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "implicit"}',0,0,'2026-11-30 18:12:41.557317');
INSERT INTO "crm_sync_link" VALUES(3,1,'contacts',6,'5d9db897-d891-4e5e-b2dc-90defff16789','fb2ff3d6336683afa0053fa8d50986bf','fb2ff3d6336683afa0053fa8d50986bf','2026-11-30 18:12:40.538127','{"first_name": "Alan", "last_name": "Turing", "email_address": "alan@example.com", "home_phone": null, "work_phone": null, "mobile_phone": null, "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": null, "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "unsubscribed"}',0,0,'2026-11-30 18:12:41.161557');
INSERT INTO "crm_sync_link" VALUES(4,1,'contacts',2,'e1553225-8a0e-446e-bb34-1d0229f7f171','1ca581dd43566f00a18c9a979f321686','1ca581dd43566f00a18c9a979f321686','2026-11-30 18:12:41.436783','{"first_name": "Katherine", "last_name": "Johnson", "email_address": "katherine@example.com", "home_phone": null, "work_phone": null, "mobile_phone": "+1 757 555 0100", "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": "Mathematician", "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "implicit"}',0,0,'2026-11-30 18:12:41.455155');
INSERT INTO "crm_sync_link" VALUES(5,1,'contacts',3,'462105c7-3ba7-447f-b0ae-2ddab42f3e7f','624ef5d5f583ac69daa7f1942acddcf5','624ef5d5f583ac69daa7f1942acddcf5','2026-11-30 18:12:41.235294','{"first_name": "Edsger", "last_name": "Dijkstra", "email_address": "edsger@example.com", "home_phone": null, "work_phone": null, "mobile_phone": null, "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": null, "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "implicit"}',1,1,'2026-11-30 18:12:41.455155');
CREATE TABLE crm_sync_mapping (
	connector VARCHAR(64) NOT NULL, 
	module VARCHAR(64) NOT NULL, 
	data JSON NOT NULL, 
	updated_by INTEGER, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_crm_sync_mapping PRIMARY KEY (connector, module), 
	CONSTRAINT fk_crm_sync_mapping_updated_by_crm_user FOREIGN KEY(updated_by) REFERENCES crm_user (id)
);
CREATE TABLE crm_sync_run (
	id INTEGER NOT NULL, 
	connection_id INTEGER NOT NULL, 
	module VARCHAR(64) NOT NULL, 
	direction VARCHAR(32) NOT NULL, 
	dry_run BOOLEAN NOT NULL, 
	"trigger" VARCHAR(16) NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	outcome VARCHAR(16) NOT NULL, 
	error TEXT, 
	hint TEXT, 
	counts JSON NOT NULL, 
	requests INTEGER NOT NULL, 
	CONSTRAINT pk_crm_sync_run PRIMARY KEY (id), 
	CONSTRAINT fk_crm_sync_run_connection_id_crm_connection FOREIGN KEY(connection_id) REFERENCES crm_connection (id)
);
INSERT INTO "crm_sync_run" VALUES(1,1,'contacts','both',0,'manual','2026-11-30 18:12:41.022971','2026-11-30 18:12:41.277447','success',NULL,NULL,'{"crm": {"created": 2, "updated": 0, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 2, "updated": 1, "skipped": 1, "deleted": 0}}',8);
INSERT INTO "crm_sync_run" VALUES(2,1,'contacts','both',0,'manual','2026-11-30 18:12:41.311418','2026-11-30 18:12:41.506025','success',NULL,NULL,'{"crm": {"created": 0, "updated": 1, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 0, "updated": 1, "skipped": 0, "deleted": 1}}',5);
INSERT INTO "crm_sync_run" VALUES(3,1,'contacts','both',0,'manual','2026-11-30 18:12:41.509969','2026-11-30 18:12:41.622371','success',NULL,NULL,'{"crm": {"created": 0, "updated": 1, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0}}',1);
INSERT INTO "crm_sync_run" VALUES(4,1,'contacts','both',0,'manual','2026-11-30 18:12:41.642616','2026-11-30 18:12:41.701856','success',NULL,NULL,'{"crm": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0}}',1);
CREATE TABLE crm_sync_run_item (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	side VARCHAR(32) NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	module VARCHAR(64) NOT NULL, 
	record_name VARCHAR(255) NOT NULL, 
	record_id INTEGER, 
	remote_id VARCHAR(128), 
	reason TEXT, 
	CONSTRAINT pk_crm_sync_run_item PRIMARY KEY (id), 
	CONSTRAINT fk_crm_sync_run_item_run_id_crm_sync_run FOREIGN KEY(run_id) REFERENCES crm_sync_run (id)
);
INSERT INTO "crm_sync_run_item" VALUES(1,1,'crm','created','contacts','Grace Hopper',5,'379082bf-5478-49a6-a425-ec2609b0cd74',NULL);
INSERT INTO "crm_sync_run_item" VALUES(2,1,'crm','created','contacts','Alan Turing',6,'5d9db897-d891-4e5e-b2dc-90defff16789',NULL);
INSERT INTO "crm_sync_run_item" VALUES(3,1,'constant-contact','skipped','contacts','No Email',4,NULL,'no email address');
INSERT INTO "crm_sync_run_item" VALUES(4,1,'constant-contact','updated','contacts','Ada Lovelace',1,'7dbc5e48-74d5-4e6a-b770-6f4d5dcbb463',NULL);
INSERT INTO "crm_sync_run_item" VALUES(5,1,'constant-contact','created','contacts','Katherine Johnson',2,'e1553225-8a0e-446e-bb34-1d0229f7f171',NULL);
INSERT INTO "crm_sync_run_item" VALUES(6,1,'constant-contact','created','contacts','Edsger Dijkstra',3,'462105c7-3ba7-447f-b0ae-2ddab42f3e7f',NULL);
INSERT INTO "crm_sync_run_item" VALUES(7,2,'crm','updated','contacts','Grace Hopper',5,'379082bf-5478-49a6-a425-ec2609b0cd74',NULL);
INSERT INTO "crm_sync_run_item" VALUES(8,2,'constant-contact','updated','contacts','Katherine Johnson',2,'e1553225-8a0e-446e-bb34-1d0229f7f171',NULL);
INSERT INTO "crm_sync_run_item" VALUES(9,2,'constant-contact','deleted','contacts','Edsger Dijkstra',3,'462105c7-3ba7-447f-b0ae-2ddab42f3e7f','deleted in the CRM');
INSERT INTO "crm_sync_run_item" VALUES(10,3,'crm','updated','contacts','Grace Hopper',5,'379082bf-5478-49a6-a425-ec2609b0cd74',NULL);
CREATE TABLE crm_sync_settings (
	connection_id INTEGER NOT NULL, 
	sync_records_from VARCHAR(16) NOT NULL, 
	debug BOOLEAN NOT NULL, 
	frequency VARCHAR(16) NOT NULL, 
	direction VARCHAR(32) NOT NULL, 
	contacts_enabled BOOLEAN NOT NULL, 
	conflict_policy VARCHAR(32) NOT NULL, 
	next_run_at DATETIME, 
	failures INTEGER NOT NULL, 
	last_error TEXT, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_crm_sync_settings PRIMARY KEY (connection_id), 
	CONSTRAINT fk_crm_sync_settings_connection_id_crm_connection FOREIGN KEY(connection_id) REFERENCES crm_connection (id)
);
INSERT INTO "crm_sync_settings" VALUES(1,'all',1,'15m','both',1,'most-recent',NULL,0,NULL,'2026-11-30 18:12:41.020847');
CREATE TABLE crm_user (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	is_admin BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_crm_user PRIMARY KEY (id), 
	CONSTRAINT uq_crm_user_name UNIQUE (name)
);
INSERT INTO "crm_user" VALUES(1,'admin',1,'2026-11-30 18:12:40.387773');
INSERT INTO "crm_user" VALUES(2,'bob',0,'2026-11-30 18:12:40.422370');
CREATE INDEX ix_crm_change_module ON crm_change (module);
CREATE INDEX ix_crm_change_seq ON crm_change (seq);
CREATE INDEX ix_crm_connection_user_id ON crm_connection (user_id);
CREATE INDEX ix_crm_sync_link_connection_id ON crm_sync_link (connection_id);
CREATE INDEX ix_crm_sync_run_connection_id ON crm_sync_run (connection_id);
CREATE INDEX ix_crm_sync_debug_run_id ON crm_sync_debug (run_id);
CREATE INDEX ix_crm_sync_debug_connection_id ON crm_sync_debug (connection_id);
CREATE INDEX ix_crm_sync_run_item_run_id ON crm_sync_run_item (run_id);
CREATE INDEX ix_contact_owner_id ON contact (owner_id);
CREATE INDEX ix_contact_email_normalised ON contact (email_normalised);
CREATE INDEX ix_contact_last_name ON contact (last_name);
CREATE INDEX ix_contact_deleted_at ON contact (deleted_at);
COMMIT;
