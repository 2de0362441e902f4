CREATE TABLE contact (
    id integer NOT NULL,
    salutation character varying(20),
    first_name character varying(80),
    last_name character varying(80) NOT NULL,
    email character varying(254),
    email_normalised character varying(254),
    secondary_email character varying(254),
    office_phone character varying(40),
    mobile_phone character varying(40),
    home_phone character varying(40),
    title character varying(100),
    department character varying(100),
    organization character varying(120),
    birthday date,
    mailing_street character varying(250),
    mailing_city character varying(100),
    mailing_state character varying(100),
    mailing_zip character varying(20),
    mailing_country character varying(100),
    description text,
    email_opt_out boolean NOT NULL,
    owner_id integer,
    created_at timestamp with time zone NOT NULL,
    modified_at timestamp with time zone NOT NULL,
    deleted_at timestamp with time zone
);



CREATE SEQUENCE contact_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE contact_id_seq OWNED BY contact.id;



CREATE TABLE crm_change (
    id integer NOT NULL,
    seq integer NOT NULL,
    module character varying(64) NOT NULL,
    record_id integer NOT NULL,
    op character varying(16) NOT NULL,
    user_id integer,
    at timestamp with time zone NOT NULL
);



CREATE SEQUENCE crm_change_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_change_id_seq OWNED BY crm_change.id;



CREATE TABLE crm_connection (
    id integer NOT NULL,
    user_id integer NOT NULL,
    connector character varying(64) NOT NULL,
    client_id character varying(255) NOT NULL,
    client_secret_enc text,
    auth_url character varying(500) NOT NULL,
    token_url character varying(500) NOT NULL,
    api_url character varying(500) NOT NULL,
    revoke_url character varying(500),
    redirect_uri character varying(500) NOT NULL,
    scopes character varying(500) NOT NULL,
    state character varying(32) NOT NULL,
    token_enc text,
    token_expires_at timestamp with time zone,
    granted_scopes character varying(500),
    options json NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);



CREATE SEQUENCE crm_connection_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_connection_id_seq OWNED BY crm_connection.id;



CREATE TABLE crm_counter (
    name character varying(32) NOT NULL,
    value integer NOT NULL
);



CREATE TABLE crm_extension (
    name character varying(64) NOT NULL,
    version character varying(32) NOT NULL,
    installed_at timestamp with time zone NOT NULL,
    installed_by integer
);



CREATE TABLE crm_key_check (
    id integer NOT NULL,
    token character varying NOT NULL
);



CREATE SEQUENCE crm_key_check_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_key_check_id_seq OWNED BY crm_key_check.id;



CREATE TABLE crm_sync_checkpoint (
    connection_id integer NOT NULL,
    module character varying(64) NOT NULL,
    crm_seq integer NOT NULL,
    remote_high_water timestamp with time zone,
    remote_settled boolean NOT NULL,
    retry_ids json,
    running_run_id integer,
    lock_holder character varying(128),
    heartbeat_at timestamp with time zone
);



CREATE TABLE crm_sync_debug (
    id integer NOT NULL,
    connection_id integer NOT NULL,
    run_id integer,
    at timestamp with time zone NOT NULL,
    method character varying(8) NOT NULL,
    url text,
    status integer,
    elapsed_ms integer,
    request text,
    response text
);



CREATE SEQUENCE crm_sync_debug_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_sync_debug_id_seq OWNED BY crm_sync_debug.id;



CREATE TABLE crm_sync_link (
    id integer NOT NULL,
    connection_id integer NOT NULL,
    module character varying(64) NOT NULL,
    record_id integer NOT NULL,
    remote_id character varying(128) NOT NULL,
    crm_fingerprint character varying(64),
    remote_fingerprint character varying(64),
    remote_updated_at timestamp with time zone,
    remote_values json,
    crm_deleted boolean NOT NULL,
    remote_deleted boolean NOT NULL,
    synced_at timestamp with time zone NOT NULL
);



CREATE SEQUENCE crm_sync_link_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_sync_link_id_seq OWNED BY crm_sync_link.id;



CREATE TABLE crm_sync_mapping (
    connector character varying(64) NOT NULL,
    module character varying(64) NOT NULL,
    data json NOT NULL,
    updated_by integer,
    updated_at timestamp with time zone NOT NULL
);



CREATE TABLE crm_sync_run (
    id integer NOT NULL,
    connection_id integer NOT NULL,
    module character varying(64) NOT NULL,
    direction character varying(32) NOT NULL,
    dry_run boolean NOT NULL,
    trigger character varying(16) NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    outcome character varying(16) NOT NULL,
    error text,
    hint text,
    counts json NOT NULL,
    requests integer NOT NULL
);



CREATE SEQUENCE crm_sync_run_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_sync_run_id_seq OWNED BY crm_sync_run.id;



CREATE TABLE crm_sync_run_item (
    id integer NOT NULL,
    run_id integer NOT NULL,
    side character varying(32) NOT NULL,
    action character varying(16) NOT NULL,
    module character varying(64) NOT NULL,
    record_name character varying(255) NOT NULL,
    record_id integer,
    remote_id character varying(128),
    reason text
);



CREATE SEQUENCE crm_sync_run_item_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_sync_run_item_id_seq OWNED BY crm_sync_run_item.id;



CREATE TABLE crm_sync_settings (
    connection_id integer NOT NULL,
    sync_records_from character varying(16) NOT NULL,
    debug boolean NOT NULL,
    frequency character varying(16) NOT NULL,
    direction character varying(32) NOT NULL,
    contacts_enabled boolean NOT NULL,
    conflict_policy character varying(32) NOT NULL,
    next_run_at timestamp with time zone,
    failures integer NOT NULL,
    last_error text,
    updated_at timestamp with time zone NOT NULL
);



CREATE TABLE crm_user (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    is_admin boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);



CREATE SEQUENCE crm_user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;



ALTER SEQUENCE crm_user_id_seq OWNED BY crm_user.id;



ALTER TABLE ONLY contact ALTER COLUMN id SET DEFAULT nextval('contact_id_seq'::regclass);



ALTER TABLE ONLY crm_change ALTER COLUMN id SET DEFAULT nextval('crm_change_id_seq'::regclass);



ALTER TABLE ONLY crm_connection ALTER COLUMN id SET DEFAULT nextval('crm_connection_id_seq'::regclass);



ALTER TABLE ONLY crm_key_check ALTER COLUMN id SET DEFAULT nextval('crm_key_check_id_seq'::regclass);



ALTER TABLE ONLY crm_sync_debug ALTER COLUMN id SET DEFAULT nextval('crm_sync_debug_id_seq'::regclass);



ALTER TABLE ONLY crm_sync_link ALTER COLUMN id SET DEFAULT nextval('crm_sync_link_id_seq'::regclass);



ALTER TABLE ONLY crm_sync_run ALTER COLUMN id SET DEFAULT nextval('crm_sync_run_id_seq'::regclass);



ALTER TABLE ONLY crm_sync_run_item ALTER COLUMN id SET DEFAULT nextval('crm_sync_run_item_id_seq'::regclass);



ALTER TABLE ONLY crm_user ALTER COLUMN id SET DEFAULT nextval('crm_user_id_seq'::regclass);



INSERT INTO contact VALUES (1, 'Dr.', 'Ada', 'Lovelace', 'ADA@example.com', 'ada@example.com', NULL, '+44 20 7946 0001', NULL, NULL, 'Analyst', 'Engines', 'Analytical Society', '1815-12-10', '12 St James''s Square', 'London', NULL, 'SW1Y 4JH', 'United Kingdom', 'First program.
Second line, with ''quotes'' and ünïcödé.', false, 1, '2026-11-30 18:12:42.96005+00', '2026-11-30 18:12:42.96005+00', NULL);
INSERT INTO contact VALUES (4, NULL, 'No', 'Email', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, 1, '2026-11-30 18:12:43.061048+00', '2026-11-30 18:12:43.061048+00', NULL);
INSERT INTO contact VALUES (6, NULL, 'Alan', 'Turing', 'alan@example.com', 'alan@example.com', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, 1, '2026-11-30 18:12:43.689206+00', '2026-11-30 18:12:43.689206+00', NULL);
INSERT INTO contact VALUES (2, NULL, 'Katherine', 'Johnson', 'katherine@example.com', 'katherine@example.com', NULL, NULL, '+1 757 555 0100', NULL, 'Mathematician', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, 1, '2026-11-30 18:12:42.991831+00', '2026-11-30 18:12:44.027774+00', NULL);
INSERT INTO contact VALUES (3, NULL, 'Edsger', 'Dijkstra', 'edsger@example.com', 'edsger@example.com', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, 1, '2026-11-30 18:12:43.039378+00', '2026-11-30 18:12:44.0385+00', '2026-11-30 18:12:44.038475+00');
INSERT INTO contact VALUES (5, NULL, 'Grace', 'Hopper', 'grace@example.com', 'grace@example.com', NULL, NULL, NULL, NULL, 'Commodore 1', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, 1, '2026-11-30 18:12:43.689206+00', '2026-11-30 18:12:44.278976+00', NULL);



INSERT INTO crm_change VALUES (1, 1, 'contacts', 1, 'create', 1, '2026-11-30 18:12:42.991643+00');
INSERT INTO crm_change VALUES (2, 2, 'contacts', 2, 'create', 1, '2026-11-30 18:12:43.039223+00');
INSERT INTO crm_change VALUES (3, 3, 'contacts', 3, 'create', 1, '2026-11-30 18:12:43.060913+00');
INSERT INTO crm_change VALUES (4, 4, 'contacts', 4, 'create', 1, '2026-11-30 18:12:43.08945+00');
INSERT INTO crm_change VALUES (5, 5, 'contacts', 5, 'create', 1, '2026-11-30 18:12:43.709109+00');
INSERT INTO crm_change VALUES (6, 6, 'contacts', 6, 'create', 1, '2026-11-30 18:12:43.709109+00');
INSERT INTO crm_change VALUES (7, 7, 'contacts', 1, 'update', 1, '2026-11-30 18:12:43.723972+00');
INSERT INTO crm_change VALUES (8, 8, 'contacts', 2, 'update', 1, '2026-11-30 18:12:44.032739+00');
INSERT INTO crm_change VALUES (9, 9, 'contacts', 3, 'delete', 1, '2026-11-30 18:12:44.044464+00');
INSERT INTO crm_change VALUES (10, 10, 'contacts', 5, 'update', 1, '2026-11-30 18:12:44.096008+00');
INSERT INTO crm_change VALUES (11, 11, 'contacts', 5, 'update', 1, '2026-11-30 18:12:44.285077+00');



INSERT INTO crm_connection VALUES (1, 1, 'constant-contact', '035342f2-47c1-4fda-a511-0ea9feb69d65', 'gAAAAABrDbybmeSHjDMqc45s_3wOCR5ALrPTYEBoIfYmm-_RdyQ8lxXvIcVyVY62tET5qmOOI83ZCompzhFdv3w-UiTVw_7QiXfIXwffRmMYIqyNYFC6KSyErxfTm2WirrXlyiMgPtbl', 'http://127.0.0.1:43903/oauth2/default/v1/authorize', 'http://127.0.0.1:43903/oauth2/default/v1/token', 'http://127.0.0.1:43903/v3', 'http://127.0.0.1:43903/oauth2/default/v1/revoke', 'http://127.0.0.1:35719/callback', 'contact_data offline_access', 'signed in', 'gAAAAABrDbybyL3lMBiCWSDrjHBQ0pp9DBWESjmLIbrjlQAtBlv51k1f1Gy4ZNLRpH44bUMGgZG8lLB0qLnSMBn-gowALdsbVyVHqfP0l0NSgzdH5SUGa28xXmVNW1l5t3p2dmEjAUtT4zi37aoUctj4lTbLdXjI6Oests6mvY_luMkE0Gd5mbxWHTV-gjocamvMk6T6UpjLc7hyrtKRIDimvZHA-45gJNDRpSYmTdX9bUbrKehj5us6IXYi0xMvRUDnRJfTJeCEzvrQxylRc-sKSPuwz1HeDnwaknFggl0ulI_L5jDsHjNm9ktlUgJpuQyY5ZgtXYf6nyg99vpmjvOpMyZ1aJHSxOTyUan4Il9OGL9qqGzxNoZIAkAPMxovO0lHhgrD-DL6tazW-_3qBszjVUVQ2yD1_wq5uZQN8jaS492cY1yTARKyKLRbEW6d75aHXDwENVekcSRPlaInvwIXOO1PoI5VUvQ2WHm_z0-0y7mNuE849eikahBqtUgdB2SLa3-QKANc2QykDEEjs_NLK1ilh76QIlERnulN4RiQ6JWFy1aHjXBF83ZKVoYJ4dUc0A3BE1r-BJeUIOJ7DvFSaxrV9OvpeHbfI903Qc4IycNAhCkce7OeNv9L5erwu3zKvASM7WUiwzJoPXXZ0DraTbbIygp3aOCbUpsaYPLIE1xeREwuUpp-TLaBMMR-EFjXMPvX0zuj7IWfiHcR6RUnRJyUTLX1UKRVi0V-Q7HfKljO8OBoVIvBP719LqOGwo8WVj-vu2Tbq_3T_-lYyb_zvbiy7uRK1M87fxfWdCOeHoVUteKqgaFqWqvw1iwzHLsfDrkNa-iK566MTfvbaYJM-tgyqPPV9uCPMJ45KqpmST1lQ1LGzC8=', '2026-12-01 18:12:43.245329+00', 'contact_data offline_access', '{"http": {"rate_per_second": null}}', '2026-11-30 18:12:43.13744+00', '2026-11-30 18:12:43.262662+00');



INSERT INTO crm_counter VALUES ('change', 11);



INSERT INTO crm_extension VALUES ('contacts', '0.1.0', '2026-11-30 18:12:42.903816+00', 1);
INSERT INTO crm_extension VALUES ('constant-contact', '0.1.0', '2026-11-30 18:12:42.926051+00', 1);



INSERT INTO crm_key_check VALUES (1, 'gAAAAABrDbyaQ-CE_23kO6RIyz68NiVLeVGxewM0NSJqypiMCqGlNmjBteZDfk_VmtpebCWH7wItHQAql_US_Y7bRiAvP5tpdg==');



INSERT INTO crm_sync_checkpoint VALUES (1, 'contacts', 11, '2026-11-30 18:12:44.215365+00', false, 'null', NULL, NULL, NULL);



INSERT INTO crm_sync_debug VALUES (1, 1, 1, '2026-11-30 18:12:43.754594+00', 'GET', 'http://127.0.0.1:43903/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses', 200, 7, NULL, '{"contacts": [{"contact_id": "009fe0d8-b854-47af-8ab8-b6466417e9d6", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934606Z", "updated_at": "2026-11-30T18:12:42.934606Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934606Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear Admiral", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934681Z", "updated_at": "2026-11-30T18:12:42.934681Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "1016ba30-b653-480c-b292-868f91844991", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:42.934723Z", "updated_at": "2026-11-30T18:12:42.934723Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:42.934723Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934738Z", "updated_at": "2026-11-30T18:12:42.934738Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ada@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:42.934760Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:42.934772Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO crm_sync_debug VALUES (2, 1, 1, '2026-11-30 18:12:43.927891+00', 'GET', 'http://127.0.0.1:43903/v3/contacts/c668f7cc-56b1-434a-b4f5-f8a40256053c?include=phone_numbers%2Cstreet_addresses', 200, 15, NULL, '{"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ada@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:42.934760Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:42.934772Z", "phone_numbers": [], "street_addresses": []}');
INSERT INTO crm_sync_debug VALUES (3, 1, 1, '2026-11-30 18:12:43.933084+00', 'PUT', 'http://127.0.0.1:43903/v3/contacts/c668f7cc-56b1-434a-b4f5-f8a40256053c', 200, 4, '{"first_name": "Ada", "last_name": "Lovelace", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "email_address": {"address": "ADA@example.com"}, "phone_numbers": [{"phone_number": "+44 20 7946 0001", "kind": "work"}], "street_addresses": [{"kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom"}], "update_source": "Account"}', '{"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:43.848548Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:43.848622Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "custom_fields": [], "phone_numbers": [{"phone_number_id": "26752673-478b-419c-b75a-3f543785881f", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "street_addresses": [{"street_address_id": "4e9de4e0-545d-41ad-8d39-ce86b4ac596b", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "list_memberships": [], "taggings": [], "notes": []}');
INSERT INTO crm_sync_debug VALUES (4, 1, 1, '2026-11-30 18:12:43.937057+00', 'GET', 'http://127.0.0.1:43903/v3/contact_lists?name=CRM+contacts&limit=1000', 200, 7, NULL, '{"lists": []}');
INSERT INTO crm_sync_debug VALUES (5, 1, 1, '2026-11-30 18:12:43.937912+00', 'POST', 'http://127.0.0.1:43903/v3/contact_lists', 201, 1, '{"name": "CRM contacts", "favorite": false, "description": "Contacts added by the CRM''s sync."}', '{"list_id": "121b058f-504e-4a24-980f-53e38a67908a", "name": "CRM contacts", "favorite": false, "created_at": "2026-11-30T18:12:43.858678Z", "updated_at": "2026-11-30T18:12:43.858678Z", "description": "Contacts added by the CRM''s sync."}');
INSERT INTO crm_sync_debug VALUES (6, 1, 1, '2026-11-30 18:12:43.937915+00', 'POST', 'http://127.0.0.1:43903/v3/contacts', 201, 8, '{"first_name": "Katherine", "last_name": "Johnson", "email_address": {"address": "katherine@example.com"}, "phone_numbers": [{"phone_number": "+1 757 555 0100", "kind": "mobile"}], "street_addresses": [], "create_source": "Account", "list_memberships": ["121b058f-504e-4a24-980f-53e38a67908a"]}', '{"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:43.867122Z", "custom_fields": [], "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": [], "list_memberships": ["121b058f-504e-4a24-980f-53e38a67908a"], "taggings": [], "notes": []}');
INSERT INTO crm_sync_debug VALUES (7, 1, 1, '2026-11-30 18:12:43.937916+00', 'POST', 'http://127.0.0.1:43903/v3/contacts', 201, 5, '{"first_name": "Edsger", "last_name": "Dijkstra", "email_address": {"address": "edsger@example.com"}, "phone_numbers": [], "street_addresses": [], "create_source": "Account", "list_memberships": ["121b058f-504e-4a24-980f-53e38a67908a"]}', '{"contact_id": "36f4526f-7b7a-43d2-aa4d-f216021d5d1a", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.873114Z", "updated_at": "2026-11-30T18:12:43.873114Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.873114Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.873171Z", "updated_at": "2026-11-30T18:12:43.873171Z", "custom_fields": [], "phone_numbers": [], "street_addresses": [], "list_memberships": ["121b058f-504e-4a24-980f-53e38a67908a"], "taggings": [], "notes": []}');
INSERT INTO crm_sync_debug VALUES (8, 1, 1, '2026-11-30 18:12:43.98222+00', 'GET', 'http://127.0.0.1:43903/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A40.934Z', 200, 2, NULL, '{"contacts": [{"contact_id": "009fe0d8-b854-47af-8ab8-b6466417e9d6", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934606Z", "updated_at": "2026-11-30T18:12:42.934606Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934606Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Rear Admiral", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934681Z", "updated_at": "2026-11-30T18:12:42.934681Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "1016ba30-b653-480c-b292-868f91844991", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:42.934723Z", "updated_at": "2026-11-30T18:12:42.934723Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:42.934723Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934738Z", "updated_at": "2026-11-30T18:12:42.934738Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:43.848548Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:43.848622Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "26752673-478b-419c-b75a-3f543785881f", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "street_addresses": [{"street_address_id": "4e9de4e0-545d-41ad-8d39-ce86b4ac596b", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}]}, {"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:43.867122Z", "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": []}, {"contact_id": "36f4526f-7b7a-43d2-aa4d-f216021d5d1a", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.873114Z", "updated_at": "2026-11-30T18:12:43.873114Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.873114Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.873171Z", "updated_at": "2026-11-30T18:12:43.873171Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO crm_sync_debug VALUES (9, 1, 2, '2026-11-30 18:12:44.100324+00', 'GET', 'http://127.0.0.1:43903/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A41.873Z', 200, 2, NULL, '{"contacts": [{"contact_id": "1016ba30-b653-480c-b292-868f91844991", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:42.934723Z", "updated_at": "2026-11-30T18:12:42.934723Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:42.934723Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934738Z", "updated_at": "2026-11-30T18:12:42.934738Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:43.848548Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:43.848622Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "26752673-478b-419c-b75a-3f543785881f", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "street_addresses": [{"street_address_id": "4e9de4e0-545d-41ad-8d39-ce86b4ac596b", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}]}, {"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:43.867122Z", "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": []}, {"contact_id": "36f4526f-7b7a-43d2-aa4d-f216021d5d1a", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.873114Z", "updated_at": "2026-11-30T18:12:43.873114Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.873114Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.873171Z", "updated_at": "2026-11-30T18:12:43.873171Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "009fe0d8-b854-47af-8ab8-b6466417e9d6", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934606Z", "updated_at": "2026-11-30T18:12:42.934606Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934606Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 0", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934681Z", "updated_at": "2026-11-30T18:12:44.064702Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO crm_sync_debug VALUES (10, 1, 2, '2026-11-30 18:12:44.150289+00', 'GET', 'http://127.0.0.1:43903/v3/contacts/21e78b24-c9c0-4a2e-9b12-2f2dda6df47c?include=phone_numbers%2Cstreet_addresses', 200, 8, NULL, '{"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:43.867122Z", "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": []}');
INSERT INTO crm_sync_debug VALUES (11, 1, 2, '2026-11-30 18:12:44.150735+00', 'PUT', 'http://127.0.0.1:43903/v3/contacts/21e78b24-c9c0-4a2e-9b12-2f2dda6df47c', 200, 1, '{"first_name": "Katherine", "last_name": "Johnson", "job_title": "Mathematician", "email_address": {"address": "katherine@example.com"}, "phone_numbers": [{"phone_number": "+1 757 555 0100", "kind": "mobile"}], "street_addresses": [], "update_source": "Account"}', '{"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:44.142333Z", "job_title": "Mathematician", "custom_fields": [], "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": [], "list_memberships": ["121b058f-504e-4a24-980f-53e38a67908a"], "taggings": [], "notes": []}');
INSERT INTO crm_sync_debug VALUES (12, 1, 2, '2026-11-30 18:12:44.151445+00', 'DELETE', 'http://127.0.0.1:43903/v3/contacts/36f4526f-7b7a-43d2-aa4d-f216021d5d1a', 204, 0, NULL, NULL);
INSERT INTO crm_sync_debug VALUES (13, 1, 2, '2026-11-30 18:12:44.167251+00', 'GET', 'http://127.0.0.1:43903/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A42.064Z', 200, 1, NULL, '{"contacts": [{"contact_id": "1016ba30-b653-480c-b292-868f91844991", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:42.934723Z", "updated_at": "2026-11-30T18:12:42.934723Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:42.934723Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934738Z", "updated_at": "2026-11-30T18:12:42.934738Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:43.848548Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:43.848622Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "26752673-478b-419c-b75a-3f543785881f", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "street_addresses": [{"street_address_id": "4e9de4e0-545d-41ad-8d39-ce86b4ac596b", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}]}, {"contact_id": "009fe0d8-b854-47af-8ab8-b6466417e9d6", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934606Z", "updated_at": "2026-11-30T18:12:42.934606Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934606Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 0", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934681Z", "updated_at": "2026-11-30T18:12:44.064702Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:44.142333Z", "job_title": "Mathematician", "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": []}, {"contact_id": "36f4526f-7b7a-43d2-aa4d-f216021d5d1a", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.873114Z", "updated_at": "2026-11-30T18:12:43.873114Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.873114Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.873171Z", "updated_at": "2026-11-30T18:12:44.143711Z", "deleted_at": "2026-11-30", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO crm_sync_debug VALUES (14, 1, 3, '2026-11-30 18:12:44.308005+00', 'GET', 'http://127.0.0.1:43903/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A42.143Z', 200, 2, NULL, '{"contacts": [{"contact_id": "1016ba30-b653-480c-b292-868f91844991", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:42.934723Z", "updated_at": "2026-11-30T18:12:42.934723Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:42.934723Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934738Z", "updated_at": "2026-11-30T18:12:42.934738Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:43.848548Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:43.848622Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "26752673-478b-419c-b75a-3f543785881f", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "street_addresses": [{"street_address_id": "4e9de4e0-545d-41ad-8d39-ce86b4ac596b", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}]}, {"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:44.142333Z", "job_title": "Mathematician", "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": []}, {"contact_id": "36f4526f-7b7a-43d2-aa4d-f216021d5d1a", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.873114Z", "updated_at": "2026-11-30T18:12:43.873114Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.873114Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.873171Z", "updated_at": "2026-11-30T18:12:44.143711Z", "deleted_at": "2026-11-30", "phone_numbers": [], "street_addresses": []}, {"contact_id": "009fe0d8-b854-47af-8ab8-b6466417e9d6", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934606Z", "updated_at": "2026-11-30T18:12:42.934606Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934606Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 1", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934681Z", "updated_at": "2026-11-30T18:12:44.215365Z", "phone_numbers": [], "street_addresses": []}]}');
INSERT INTO crm_sync_debug VALUES (15, 1, 4, '2026-11-30 18:12:44.543434+00', 'GET', 'http://127.0.0.1:43903/v3/contacts?status=all&limit=500&include=phone_numbers%2Cstreet_addresses&updated_after=2026-11-30T18%3A12%3A42.215Z', 200, 9, NULL, '{"contacts": [{"contact_id": "1016ba30-b653-480c-b292-868f91844991", "email_address": {"address": "alan@example.com", "permission_to_send": "unsubscribed", "created_at": "2026-11-30T18:12:42.934723Z", "updated_at": "2026-11-30T18:12:42.934723Z", "opt_in_source": "Account", "opt_out_source": "Account", "opt_out_date": "2026-11-30T18:12:42.934723Z"}, "first_name": "Alan", "last_name": "Turing", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934738Z", "updated_at": "2026-11-30T18:12:42.934738Z", "phone_numbers": [], "street_addresses": []}, {"contact_id": "c668f7cc-56b1-434a-b4f5-f8a40256053c", "email_address": {"address": "ADA@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934760Z", "updated_at": "2026-11-30T18:12:43.848548Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934760Z"}, "first_name": "Ada", "last_name": "Lovelace", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934772Z", "updated_at": "2026-11-30T18:12:43.848622Z", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "phone_numbers": [{"phone_number_id": "26752673-478b-419c-b75a-3f543785881f", "phone_number": "+44 20 7946 0001", "kind": "work", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}], "street_addresses": [{"street_address_id": "4e9de4e0-545d-41ad-8d39-ce86b4ac596b", "kind": "home", "street": "12 St James''s Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "United Kingdom", "created_at": "2026-11-30T18:12:43.848548Z", "updated_at": "2026-11-30T18:12:43.848548Z"}]}, {"contact_id": "21e78b24-c9c0-4a2e-9b12-2f2dda6df47c", "email_address": {"address": "katherine@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.867063Z"}, "first_name": "Katherine", "last_name": "Johnson", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.867122Z", "updated_at": "2026-11-30T18:12:44.142333Z", "job_title": "Mathematician", "phone_numbers": [{"phone_number_id": "4b3e85f2-e329-453b-aae1-0bd202ba3368", "phone_number": "+1 757 555 0100", "kind": "mobile", "created_at": "2026-11-30T18:12:43.867063Z", "updated_at": "2026-11-30T18:12:43.867063Z"}], "street_addresses": []}, {"contact_id": "36f4526f-7b7a-43d2-aa4d-f216021d5d1a", "email_address": {"address": "edsger@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:43.873114Z", "updated_at": "2026-11-30T18:12:43.873114Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:43.873114Z"}, "first_name": "Edsger", "last_name": "Dijkstra", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:43.873171Z", "updated_at": "2026-11-30T18:12:44.143711Z", "deleted_at": "2026-11-30", "phone_numbers": [], "street_addresses": []}, {"contact_id": "009fe0d8-b854-47af-8ab8-b6466417e9d6", "email_address": {"address": "grace@example.com", "permission_to_send": "implicit", "created_at": "2026-11-30T18:12:42.934606Z", "updated_at": "2026-11-30T18:12:42.934606Z", "opt_in_source": "Account", "opt_in_date": "2026-11-30T18:12:42.934606Z"}, "first_name": "Grace", "last_name": "Hopper", "job_title": "Commodore 1", "create_source": "Account", "update_source": "Account", "created_at": "2026-11-30T18:12:42.934681Z", "updated_at": "2026-11-30T18:12:44.215365Z", "phone_numbers": [], "street_addresses": []}]}');



INSERT INTO crm_sync_link VALUES (3, 1, 'contacts', 6, '1016ba30-b653-480c-b292-868f91844991', 'fb2ff3d6336683afa0053fa8d50986bf', 'fb2ff3d6336683afa0053fa8d50986bf', '2026-11-30 18:12:42.934738+00', '{"first_name": "Alan", "last_name": "Turing", "email_address": "alan@example.com", "home_phone": null, "work_phone": null, "mobile_phone": null, "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": null, "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "unsubscribed"}', false, false, '2026-11-30 18:12:43.724134+00');
INSERT INTO crm_sync_link VALUES (1, 1, 'contacts', 1, 'c668f7cc-56b1-434a-b4f5-f8a40256053c', 'fd9fa10acf394d217fa5348c31ae94af', 'fd9fa10acf394d217fa5348c31ae94af', '2026-11-30 18:12:43.848622+00', '{"first_name": "Ada", "last_name": "Lovelace", "email_address": "ADA@example.com", "home_phone": null, "work_phone": "+44 20 7946 0001", "mobile_phone": null, "home_street": "12 St James''s Square", "home_city": "London", "home_state": null, "home_postal_code": "SW1Y 4JH", "home_country": "United Kingdom", "job_title": "Analyst", "company_name": "Analytical Society", "birthday_month": 12, "birthday_day": 10, "permission_to_send": "implicit"}', false, false, '2026-11-30 18:12:43.88666+00');
INSERT INTO crm_sync_link VALUES (4, 1, 'contacts', 2, '21e78b24-c9c0-4a2e-9b12-2f2dda6df47c', '1ca581dd43566f00a18c9a979f321686', '1ca581dd43566f00a18c9a979f321686', '2026-11-30 18:12:44.142333+00', '{"first_name": "Katherine", "last_name": "Johnson", "email_address": "katherine@example.com", "home_phone": null, "work_phone": null, "mobile_phone": "+1 757 555 0100", "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": "Mathematician", "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "implicit"}', false, false, '2026-11-30 18:12:44.145218+00');
INSERT INTO crm_sync_link VALUES (5, 1, 'contacts', 3, '36f4526f-7b7a-43d2-aa4d-f216021d5d1a', '624ef5d5f583ac69daa7f1942acddcf5', '624ef5d5f583ac69daa7f1942acddcf5', '2026-11-30 18:12:43.873171+00', '{"first_name": "Edsger", "last_name": "Dijkstra", "email_address": "edsger@example.com", "home_phone": null, "work_phone": null, "mobile_phone": null, "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": null, "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "implicit"}', true, true, '2026-11-30 18:12:44.145218+00');
INSERT INTO crm_sync_link VALUES (2, 1, 'contacts', 5, '009fe0d8-b854-47af-8ab8-b6466417e9d6', '9dd3c4fe7e89ce7b2d9fde9148cf0d5a', '9dd3c4fe7e89ce7b2d9fde9148cf0d5a', '2026-11-30 18:12:44.215365+00', '{"first_name": "Grace", "last_name": "Hopper", "email_address": "grace@example.com", "home_phone": null, "work_phone": null, "mobile_phone": null, "home_street": null, "home_city": null, "home_state": null, "home_postal_code": null, "home_country": null, "job_title": "Commodore 1", "company_name": null, "birthday_month": null, "birthday_day": null, "permission_to_send": "implicit"}', false, false, '2026-11-30 18:12:44.287698+00');






INSERT INTO crm_sync_run VALUES (1, 1, 'contacts', 'both', false, 'manual', '2026-11-30 18:12:43.444691+00', '2026-11-30 18:12:44.006983+00', 'success', NULL, NULL, '{"crm": {"created": 2, "updated": 0, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 2, "updated": 1, "skipped": 1, "deleted": 0}}', 8);
INSERT INTO crm_sync_run VALUES (2, 1, 'contacts', 'both', false, 'manual', '2026-11-30 18:12:44.067512+00', '2026-11-30 18:12:44.194237+00', 'success', NULL, NULL, '{"crm": {"created": 0, "updated": 1, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 0, "updated": 1, "skipped": 0, "deleted": 1}}', 5);
INSERT INTO crm_sync_run VALUES (3, 1, 'contacts', 'both', false, 'manual', '2026-11-30 18:12:44.22648+00', '2026-11-30 18:12:44.391997+00', 'success', NULL, NULL, '{"crm": {"created": 0, "updated": 1, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0}}', 1);
INSERT INTO crm_sync_run VALUES (4, 1, 'contacts', 'both', false, 'manual', '2026-11-30 18:12:44.428744+00', '2026-11-30 18:12:44.588613+00', 'success', NULL, NULL, '{"crm": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0}, "constant-contact": {"created": 0, "updated": 0, "skipped": 0, "deleted": 0}}', 1);



INSERT INTO crm_sync_run_item VALUES (1, 1, 'crm', 'created', 'contacts', 'Grace Hopper', 5, '009fe0d8-b854-47af-8ab8-b6466417e9d6', NULL);
INSERT INTO crm_sync_run_item VALUES (2, 1, 'crm', 'created', 'contacts', 'Alan Turing', 6, '1016ba30-b653-480c-b292-868f91844991', NULL);
INSERT INTO crm_sync_run_item VALUES (3, 1, 'constant-contact', 'skipped', 'contacts', 'No Email', 4, NULL, 'no email address');
INSERT INTO crm_sync_run_item VALUES (4, 1, 'constant-contact', 'updated', 'contacts', 'Ada Lovelace', 1, 'c668f7cc-56b1-434a-b4f5-f8a40256053c', NULL);
INSERT INTO crm_sync_run_item VALUES (5, 1, 'constant-contact', 'created', 'contacts', 'Katherine Johnson', 2, '21e78b24-c9c0-4a2e-9b12-2f2dda6df47c', NULL);
INSERT INTO crm_sync_run_item VALUES (6, 1, 'constant-contact', 'created', 'contacts', 'Edsger Dijkstra', 3, '36f4526f-7b7a-43d2-aa4d-f216021d5d1a', NULL);
INSERT INTO crm_sync_run_item VALUES (7, 2, 'crm', 'updated', 'contacts', 'Grace Hopper', 5, '009fe0d8-b854-47af-8ab8-b6466417e9d6', NULL);
INSERT INTO crm_sync_run_item VALUES (8, 2, 'constant-contact', 'updated', 'contacts', 'Katherine Johnson', 2, '21e78b24-c9c0-4a2e-9b12-2f2dda6df47c', NULL);
INSERT INTO crm_sync_run_item VALUES (9, 2, 'constant-contact', 'deleted', 'contacts', 'Edsger Dijkstra', 3, '36f4526f-7b7a-43d2-aa4d-f216021d5d1a', 'deleted in the CRM');
INSERT INTO crm_sync_run_item VALUES (10, 3, 'crm', 'updated', 'contacts', 'Grace Hopper', 5, '009fe0d8-b854-47af-8ab8-b6466417e9d6', NULL);



INSERT INTO crm_sync_settings VALUES (1, 'all', true, '15m', 'both', true, 'most-recent', NULL, 0, NULL, '2026-11-30 18:12:43.376541+00');



INSERT INTO crm_user VALUES (1, 'admin', true, '2026-11-30 18:12:42.774+00');
INSERT INTO crm_user VALUES (2, 'bob', false, '2026-11-30 18:12:42.796169+00');



SELECT pg_catalog.setval('contact_id_seq', 6, true);



SELECT pg_catalog.setval('crm_change_id_seq', 11, true);



SELECT pg_catalog.setval('crm_connection_id_seq', 1, true);



SELECT pg_catalog.setval('crm_key_check_id_seq', 1, true);



SELECT pg_catalog.setval('crm_sync_debug_id_seq', 15, true);



SELECT pg_catalog.setval('crm_sync_link_id_seq', 5, true);



SELECT pg_catalog.setval('crm_sync_run_id_seq', 4, true);



SELECT pg_catalog.setval('crm_sync_run_item_id_seq', 10, true);



SELECT pg_catalog.setval('crm_user_id_seq', 2, true);



ALTER TABLE ONLY contact
    ADD CONSTRAINT pk_contact PRIMARY KEY (id);



ALTER TABLE ONLY crm_change
    ADD CONSTRAINT pk_crm_change PRIMARY KEY (id);



ALTER TABLE ONLY crm_connection
    ADD CONSTRAINT pk_crm_connection PRIMARY KEY (id);



ALTER TABLE ONLY crm_counter
    ADD CONSTRAINT pk_crm_counter PRIMARY KEY (name);



ALTER TABLE ONLY crm_extension
    ADD CONSTRAINT pk_crm_extension PRIMARY KEY (name);



ALTER TABLE ONLY crm_key_check
    ADD CONSTRAINT pk_crm_key_check PRIMARY KEY (id);



ALTER TABLE ONLY crm_sync_checkpoint
    ADD CONSTRAINT pk_crm_sync_checkpoint PRIMARY KEY (connection_id, module);



ALTER TABLE ONLY crm_sync_debug
    ADD CONSTRAINT pk_crm_sync_debug PRIMARY KEY (id);



ALTER TABLE ONLY crm_sync_link
    ADD CONSTRAINT pk_crm_sync_link PRIMARY KEY (id);



ALTER TABLE ONLY crm_sync_mapping
    ADD CONSTRAINT pk_crm_sync_mapping PRIMARY KEY (connector, module);



ALTER TABLE ONLY crm_sync_run
    ADD CONSTRAINT pk_crm_sync_run PRIMARY KEY (id);



ALTER TABLE ONLY crm_sync_run_item
    ADD CONSTRAINT pk_crm_sync_run_item PRIMARY KEY (id);



ALTER TABLE ONLY crm_sync_settings
    ADD CONSTRAINT pk_crm_sync_settings PRIMARY KEY (connection_id);



ALTER TABLE ONLY crm_user
    ADD CONSTRAINT pk_crm_user PRIMARY KEY (id);



ALTER TABLE ONLY crm_change
    ADD CONSTRAINT uq_crm_change_seq UNIQUE (seq);



ALTER TABLE ONLY crm_connection
    ADD CONSTRAINT uq_crm_connection_user_id_connector UNIQUE (user_id, connector);



ALTER TABLE ONLY crm_sync_link
    ADD CONSTRAINT uq_crm_sync_link_connection_id_module_record_id UNIQUE (connection_id, module, record_id);



ALTER TABLE ONLY crm_sync_link
    ADD CONSTRAINT uq_crm_sync_link_connection_id_module_remote_id UNIQUE (connection_id, module, remote_id);



ALTER TABLE ONLY crm_user
    ADD CONSTRAINT uq_crm_user_name UNIQUE (name);



CREATE INDEX ix_contact_deleted_at ON contact USING btree (deleted_at);



CREATE INDEX ix_contact_email_normalised ON contact USING btree (email_normalised);



CREATE INDEX ix_contact_last_name ON contact USING btree (last_name);



CREATE INDEX ix_contact_owner_id ON contact USING btree (owner_id);



CREATE INDEX ix_crm_change_module ON crm_change USING btree (module);



CREATE INDEX ix_crm_change_seq ON crm_change USING btree (seq);



CREATE INDEX ix_crm_connection_user_id ON crm_connection USING btree (user_id);



CREATE INDEX ix_crm_sync_debug_connection_id ON crm_sync_debug USING btree (connection_id);



CREATE INDEX ix_crm_sync_debug_run_id ON crm_sync_debug USING btree (run_id);



CREATE INDEX ix_crm_sync_link_connection_id ON crm_sync_link USING btree (connection_id);



CREATE INDEX ix_crm_sync_run_connection_id ON crm_sync_run USING btree (connection_id);



CREATE INDEX ix_crm_sync_run_item_run_id ON crm_sync_run_item USING btree (run_id);



ALTER TABLE ONLY contact
    ADD CONSTRAINT fk_contact_owner_id_crm_user FOREIGN KEY (owner_id) REFERENCES crm_user(id);



ALTER TABLE ONLY crm_connection
    ADD CONSTRAINT fk_crm_connection_user_id_crm_user FOREIGN KEY (user_id) REFERENCES crm_user(id);



ALTER TABLE ONLY crm_extension
    ADD CONSTRAINT fk_crm_extension_installed_by_crm_user FOREIGN KEY (installed_by) REFERENCES crm_user(id);



ALTER TABLE ONLY crm_sync_checkpoint
    ADD CONSTRAINT fk_crm_sync_checkpoint_connection_id_crm_connection FOREIGN KEY (connection_id) REFERENCES crm_connection(id);



ALTER TABLE ONLY crm_sync_debug
    ADD CONSTRAINT fk_crm_sync_debug_connection_id_crm_connection FOREIGN KEY (connection_id) REFERENCES crm_connection(id);



ALTER TABLE ONLY crm_sync_link
    ADD CONSTRAINT fk_crm_sync_link_connection_id_crm_connection FOREIGN KEY (connection_id) REFERENCES crm_connection(id);



ALTER TABLE ONLY crm_sync_mapping
    ADD CONSTRAINT fk_crm_sync_mapping_updated_by_crm_user FOREIGN KEY (updated_by) REFERENCES crm_user(id);



ALTER TABLE ONLY crm_sync_run
    ADD CONSTRAINT fk_crm_sync_run_connection_id_crm_connection FOREIGN KEY (connection_id) REFERENCES crm_connection(id);



ALTER TABLE ONLY crm_sync_run_item
    ADD CONSTRAINT fk_crm_sync_run_item_run_id_crm_sync_run FOREIGN KEY (run_id) REFERENCES crm_sync_run(id);



ALTER TABLE ONLY crm_sync_settings
    ADD CONSTRAINT fk_crm_sync_settings_connection_id_crm_connection FOREIGN KEY (connection_id) REFERENCES crm_connection(id);
