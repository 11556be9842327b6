-- Schema of a SQLite store created by ZenML 0.20.5 (CREATE statements read from sqlite_master).
-- ZenML tables end in "schema"; the others are ML-Metadata tables that ZenML creates itself.
CREATE TABLE `Artifact` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `type_id` INT NOT NULL,    `uri` TEXT,    `state` INT,    `name` VARCHAR(255),    `external_id` VARCHAR(255) UNIQUE,    `create_time_since_epoch` INT NOT NULL DEFAULT 0,    `last_update_time_since_epoch` INT NOT NULL DEFAULT 0,    UNIQUE(`type_id`, `name`)  );
CREATE TABLE `ArtifactProperty` (    `artifact_id` INT NOT NULL,    `name` VARCHAR(255) NOT NULL,    `is_custom_property` TINYINT(1) NOT NULL,    `int_value` INT,    `double_value` DOUBLE,    `string_value` TEXT,    `byte_value` BLOB,    `proto_value` BLOB,    `bool_value` BOOLEAN,  PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`));
CREATE TABLE `Association` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `context_id` INT NOT NULL,    `execution_id` INT NOT NULL,    UNIQUE(`context_id`, `execution_id`)  );
CREATE TABLE `Attribution` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `context_id` INT NOT NULL,    `artifact_id` INT NOT NULL,    UNIQUE(`context_id`, `artifact_id`)  );
CREATE TABLE `Context` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `type_id` INT NOT NULL,    `name` VARCHAR(255) NOT NULL,    `external_id` VARCHAR(255) UNIQUE,    `create_time_since_epoch` INT NOT NULL DEFAULT 0,    `last_update_time_since_epoch` INT NOT NULL DEFAULT 0,    UNIQUE(`type_id`, `name`)  );
CREATE TABLE `ContextProperty` (    `context_id` INT NOT NULL,    `name` VARCHAR(255) NOT NULL,    `is_custom_property` TINYINT(1) NOT NULL,    `int_value` INT,    `double_value` DOUBLE,    `string_value` TEXT,    `byte_value` BLOB,    `proto_value` BLOB,    `bool_value` BOOLEAN,  PRIMARY KEY (`context_id`, `name`, `is_custom_property`));
CREATE TABLE `Event` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `artifact_id` INT NOT NULL,    `execution_id` INT NOT NULL,    `type` INT NOT NULL,    `milliseconds_since_epoch` INT,    UNIQUE(`artifact_id`, `execution_id`, `type`)  );
CREATE TABLE `EventPath` (    `event_id` INT NOT NULL,    `is_index_step` TINYINT(1) NOT NULL,    `step_index` INT,    `step_key` TEXT  );
CREATE TABLE `Execution` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `type_id` INT NOT NULL,    `last_known_state` INT,    `name` VARCHAR(255),    `external_id` VARCHAR(255) UNIQUE,    `create_time_since_epoch` INT NOT NULL DEFAULT 0,    `last_update_time_since_epoch` INT NOT NULL DEFAULT 0,    UNIQUE(`type_id`, `name`)  );
CREATE TABLE `ExecutionProperty` (    `execution_id` INT NOT NULL,    `name` VARCHAR(255) NOT NULL,    `is_custom_property` TINYINT(1) NOT NULL,    `int_value` INT,    `double_value` DOUBLE,    `string_value` TEXT,    `byte_value` BLOB,    `proto_value` BLOB,    `bool_value` BOOLEAN,  PRIMARY KEY (`execution_id`, `name`, `is_custom_property`));
CREATE TABLE `MLMDEnv` (    `schema_version` INTEGER PRIMARY KEY  );
CREATE TABLE `ParentContext` (    `context_id` INT NOT NULL,    `parent_context_id` INT NOT NULL,  PRIMARY KEY (`context_id`, `parent_context_id`));
CREATE TABLE `ParentType` (    `type_id` INT NOT NULL,    `parent_type_id` INT NOT NULL,  PRIMARY KEY (`type_id`, `parent_type_id`));
CREATE TABLE `Type` (    `id` INTEGER PRIMARY KEY AUTOINCREMENT,    `name` VARCHAR(255) NOT NULL,    `version` VARCHAR(255),    `type_kind` TINYINT(1) NOT NULL,    `description` TEXT,    `input_type` TEXT,    `output_type` TEXT,    `external_id` VARCHAR(255) UNIQUE );
CREATE TABLE `TypeProperty` (    `type_id` INT NOT NULL,    `name` VARCHAR(255) NOT NULL,    `data_type` INT NULL,  PRIMARY KEY (`type_id`, `name`));
CREATE TABLE artifactschema (
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	parent_step_id CHAR(32) NOT NULL, 
	producer_step_id CHAR(32) NOT NULL, 
	type VARCHAR NOT NULL, 
	uri VARCHAR NOT NULL, 
	materializer VARCHAR NOT NULL, 
	data_type VARCHAR NOT NULL, 
	is_cached BOOLEAN NOT NULL, 
	mlmd_id INTEGER, 
	mlmd_parent_step_id INTEGER, 
	mlmd_producer_step_id INTEGER, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(parent_step_id) REFERENCES steprunschema (id), 
	FOREIGN KEY(producer_step_id) REFERENCES steprunschema (id)
);
CREATE TABLE flavorschema (
	project_id CHAR(32), 
	user_id CHAR(32), 
	id CHAR(32) NOT NULL, 
	type VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	integration VARCHAR, 
	config_schema VARCHAR NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES userschema (id) ON DELETE SET NULL
);
CREATE TABLE pipelinerunschema (
	project_id CHAR(32), 
	user_id CHAR(32), 
	stack_id CHAR(32), 
	pipeline_id CHAR(32), 
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	pipeline_configuration VARCHAR(4096) NOT NULL, 
	num_steps INTEGER NOT NULL, 
	zenml_version VARCHAR NOT NULL, 
	git_sha VARCHAR, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	mlmd_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES userschema (id) ON DELETE CASCADE, 
	FOREIGN KEY(stack_id) REFERENCES stackschema (id) ON DELETE SET NULL, 
	FOREIGN KEY(pipeline_id) REFERENCES pipelineschema (id) ON DELETE SET NULL
);
CREATE TABLE pipelineschema (
	project_id CHAR(32), 
	user_id CHAR(32), 
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	docstring VARCHAR(4096), 
	spec VARCHAR(4096) NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES userschema (id) ON DELETE SET NULL
);
CREATE TABLE projectschema (
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE roleschema (
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE sqlite_sequence(name,seq);
CREATE TABLE stackcomponentschema (
	project_id CHAR(32), 
	user_id CHAR(32), 
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	is_shared BOOLEAN NOT NULL, 
	type VARCHAR NOT NULL, 
	flavor VARCHAR NOT NULL, 
	configuration BLOB NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES userschema (id) ON DELETE SET NULL
);
CREATE TABLE stackcompositionschema (
	stack_id CHAR(32) NOT NULL, 
	component_id CHAR(32) NOT NULL, 
	PRIMARY KEY (stack_id, component_id), 
	FOREIGN KEY(stack_id) REFERENCES stackschema (id), 
	FOREIGN KEY(component_id) REFERENCES stackcomponentschema (id)
);
CREATE TABLE stackschema (
	project_id CHAR(32), 
	user_id CHAR(32), 
	id CHAR(32) NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	name VARCHAR NOT NULL, 
	is_shared BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES userschema (id) ON DELETE SET NULL
);
CREATE TABLE stepinputartifactschema (
	step_id CHAR(32) NOT NULL, 
	artifact_id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	PRIMARY KEY (step_id, artifact_id), 
	FOREIGN KEY(step_id) REFERENCES steprunschema (id), 
	FOREIGN KEY(artifact_id) REFERENCES artifactschema (id)
);
CREATE TABLE steprunorderschema (
	parent_id CHAR(32) NOT NULL, 
	child_id CHAR(32) NOT NULL, 
	PRIMARY KEY (parent_id, child_id), 
	FOREIGN KEY(parent_id) REFERENCES steprunschema (id), 
	FOREIGN KEY(child_id) REFERENCES steprunschema (id)
);
CREATE TABLE steprunschema (
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	pipeline_run_id CHAR(32) NOT NULL, 
	entrypoint_name VARCHAR NOT NULL, 
	parameters VARCHAR(4096) NOT NULL, 
	step_configuration VARCHAR(4096) NOT NULL, 
	docstring VARCHAR(4096), 
	mlmd_id INTEGER, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pipeline_run_id) REFERENCES pipelinerunschema (id)
);
CREATE TABLE teamassignmentschema (
	user_id CHAR(32) NOT NULL, 
	team_id CHAR(32) NOT NULL, 
	PRIMARY KEY (user_id, team_id), 
	FOREIGN KEY(user_id) REFERENCES userschema (id), 
	FOREIGN KEY(team_id) REFERENCES teamschema (id)
);
CREATE TABLE teamroleassignmentschema (
	id CHAR(32) NOT NULL, 
	role_id CHAR(32) NOT NULL, 
	team_id CHAR(32) NOT NULL, 
	project_id CHAR(32), 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(role_id) REFERENCES roleschema (id), 
	FOREIGN KEY(team_id) REFERENCES teamschema (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id)
);
CREATE TABLE teamschema (
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE userroleassignmentschema (
	id CHAR(32) NOT NULL, 
	role_id CHAR(32) NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	project_id CHAR(32), 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(role_id) REFERENCES roleschema (id), 
	FOREIGN KEY(user_id) REFERENCES userschema (id), 
	FOREIGN KEY(project_id) REFERENCES projectschema (id)
);
CREATE TABLE userschema (
	id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	full_name VARCHAR NOT NULL, 
	email VARCHAR, 
	active BOOLEAN NOT NULL, 
	password VARCHAR, 
	activation_token VARCHAR, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	email_opted_in BOOLEAN, 
	PRIMARY KEY (id)
);
CREATE INDEX `idx_artifact_create_time_since_epoch`  ON `Artifact`(`create_time_since_epoch`);
CREATE INDEX `idx_artifact_external_id`  ON `Artifact`(`external_id`);
CREATE INDEX `idx_artifact_last_update_time_since_epoch`  ON `Artifact`(`last_update_time_since_epoch`);
CREATE INDEX `idx_artifact_property_double`  ON `ArtifactProperty`(`name`, `is_custom_property`, `double_value`)  WHERE `double_value` IS NOT NULL;
CREATE INDEX `idx_artifact_property_int`  ON `ArtifactProperty`(`name`, `is_custom_property`, `int_value`)  WHERE `int_value` IS NOT NULL;
CREATE INDEX `idx_artifact_property_string`  ON `ArtifactProperty`(`name`, `is_custom_property`, `string_value`)  WHERE `string_value` IS NOT NULL;
CREATE INDEX `idx_artifact_uri`  ON `Artifact`(`uri`);
CREATE INDEX `idx_context_create_time_since_epoch`  ON `Context`(`create_time_since_epoch`);
CREATE INDEX `idx_context_external_id`  ON `Context`(`external_id`);
CREATE INDEX `idx_context_last_update_time_since_epoch`  ON `Context`(`last_update_time_since_epoch`);
CREATE INDEX `idx_context_property_double`  ON `ContextProperty`(`name`, `is_custom_property`, `double_value`)  WHERE `double_value` IS NOT NULL;
CREATE INDEX `idx_context_property_int`  ON `ContextProperty`(`name`, `is_custom_property`, `int_value`)  WHERE `int_value` IS NOT NULL;
CREATE INDEX `idx_context_property_string`  ON `ContextProperty`(`name`, `is_custom_property`, `string_value`)  WHERE `string_value` IS NOT NULL;
CREATE INDEX `idx_event_execution_id`  ON `Event`(`execution_id`);
CREATE INDEX `idx_eventpath_event_id`  ON `EventPath`(`event_id`);
CREATE INDEX `idx_execution_create_time_since_epoch`  ON `Execution`(`create_time_since_epoch`);
CREATE INDEX `idx_execution_external_id`  ON `Execution`(`external_id`);
CREATE INDEX `idx_execution_last_update_time_since_epoch`  ON `Execution`(`last_update_time_since_epoch`);
CREATE INDEX `idx_execution_property_double`  ON `ExecutionProperty`(`name`, `is_custom_property`, `double_value`)  WHERE `double_value` IS NOT NULL;
CREATE INDEX `idx_execution_property_int`  ON `ExecutionProperty`(`name`, `is_custom_property`, `int_value`)  WHERE `int_value` IS NOT NULL;
CREATE INDEX `idx_execution_property_string`  ON `ExecutionProperty`(`name`, `is_custom_property`, `string_value`)  WHERE `string_value` IS NOT NULL;
CREATE INDEX `idx_parentcontext_parent_context_id`  ON `ParentContext`(`parent_context_id`);
CREATE INDEX `idx_type_external_id`  ON `Type`(`external_id`);
CREATE INDEX `idx_type_name`  ON `Type`(`name`);
