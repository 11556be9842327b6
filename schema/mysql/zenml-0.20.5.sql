-- The tables that ZenML 0.20.5 creates on MySQL (SQLModel metadata.create_all),
-- as SHOW CREATE TABLE prints them. Written by schema/mysql/record_schema.py;
-- run it again to regenerate this file.
-- Server: 10.11.19-MariaDB-0+deb12u1. Database options: CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci.

CREATE TABLE `artifactschema` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `parent_step_id` char(32) NOT NULL,
  `producer_step_id` char(32) NOT NULL,
  `type` varchar(255) NOT NULL,
  `uri` varchar(255) NOT NULL,
  `materializer` varchar(255) NOT NULL,
  `data_type` varchar(255) NOT NULL,
  `is_cached` tinyint(1) NOT NULL,
  `mlmd_id` int(11) DEFAULT NULL,
  `mlmd_parent_step_id` int(11) DEFAULT NULL,
  `mlmd_producer_step_id` int(11) DEFAULT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `parent_step_id` (`parent_step_id`),
  KEY `producer_step_id` (`producer_step_id`),
  CONSTRAINT `artifactschema_ibfk_1` FOREIGN KEY (`parent_step_id`) REFERENCES `steprunschema` (`id`),
  CONSTRAINT `artifactschema_ibfk_2` FOREIGN KEY (`producer_step_id`) REFERENCES `steprunschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `flavorschema` (
  `project_id` char(32) DEFAULT NULL,
  `user_id` char(32) DEFAULT NULL,
  `id` char(32) NOT NULL,
  `type` varchar(255) NOT NULL,
  `source` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL,
  `integration` varchar(255) DEFAULT NULL,
  `config_schema` varchar(255) NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `project_id` (`project_id`),
  KEY `user_id` (`user_id`),
  CONSTRAINT `flavorschema_ibfk_1` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`) ON DELETE CASCADE,
  CONSTRAINT `flavorschema_ibfk_2` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `pipelinerunschema` (
  `project_id` char(32) DEFAULT NULL,
  `user_id` char(32) DEFAULT NULL,
  `stack_id` char(32) DEFAULT NULL,
  `pipeline_id` char(32) DEFAULT NULL,
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `pipeline_configuration` varchar(4096) NOT NULL,
  `num_steps` int(11) NOT NULL,
  `zenml_version` varchar(255) NOT NULL,
  `git_sha` varchar(255) DEFAULT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  `mlmd_id` int(11) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `project_id` (`project_id`),
  KEY `user_id` (`user_id`),
  KEY `stack_id` (`stack_id`),
  KEY `pipeline_id` (`pipeline_id`),
  CONSTRAINT `pipelinerunschema_ibfk_1` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`) ON DELETE CASCADE,
  CONSTRAINT `pipelinerunschema_ibfk_2` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`) ON DELETE CASCADE,
  CONSTRAINT `pipelinerunschema_ibfk_3` FOREIGN KEY (`stack_id`) REFERENCES `stackschema` (`id`) ON DELETE SET NULL,
  CONSTRAINT `pipelinerunschema_ibfk_4` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelineschema` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `pipelineschema` (
  `project_id` char(32) DEFAULT NULL,
  `user_id` char(32) DEFAULT NULL,
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `docstring` varchar(4096) DEFAULT NULL,
  `spec` varchar(4096) NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `project_id` (`project_id`),
  KEY `user_id` (`user_id`),
  CONSTRAINT `pipelineschema_ibfk_1` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`) ON DELETE CASCADE,
  CONSTRAINT `pipelineschema_ibfk_2` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `projectschema` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `description` varchar(255) NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `roleschema` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `stackcomponentschema` (
  `project_id` char(32) DEFAULT NULL,
  `user_id` char(32) DEFAULT NULL,
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `is_shared` tinyint(1) NOT NULL,
  `type` varchar(255) NOT NULL,
  `flavor` varchar(255) NOT NULL,
  `configuration` blob NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `project_id` (`project_id`),
  KEY `user_id` (`user_id`),
  CONSTRAINT `stackcomponentschema_ibfk_1` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`) ON DELETE CASCADE,
  CONSTRAINT `stackcomponentschema_ibfk_2` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `stackcompositionschema` (
  `stack_id` char(32) NOT NULL,
  `component_id` char(32) NOT NULL,
  PRIMARY KEY (`stack_id`,`component_id`),
  KEY `component_id` (`component_id`),
  CONSTRAINT `stackcompositionschema_ibfk_1` FOREIGN KEY (`stack_id`) REFERENCES `stackschema` (`id`),
  CONSTRAINT `stackcompositionschema_ibfk_2` FOREIGN KEY (`component_id`) REFERENCES `stackcomponentschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `stackschema` (
  `project_id` char(32) DEFAULT NULL,
  `user_id` char(32) DEFAULT NULL,
  `id` char(32) NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  `name` varchar(255) NOT NULL,
  `is_shared` tinyint(1) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `project_id` (`project_id`),
  KEY `user_id` (`user_id`),
  CONSTRAINT `stackschema_ibfk_1` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`) ON DELETE CASCADE,
  CONSTRAINT `stackschema_ibfk_2` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `stepinputartifactschema` (
  `step_id` char(32) NOT NULL,
  `artifact_id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  PRIMARY KEY (`step_id`,`artifact_id`),
  KEY `artifact_id` (`artifact_id`),
  CONSTRAINT `stepinputartifactschema_ibfk_1` FOREIGN KEY (`step_id`) REFERENCES `steprunschema` (`id`),
  CONSTRAINT `stepinputartifactschema_ibfk_2` FOREIGN KEY (`artifact_id`) REFERENCES `artifactschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `steprunorderschema` (
  `parent_id` char(32) NOT NULL,
  `child_id` char(32) NOT NULL,
  PRIMARY KEY (`parent_id`,`child_id`),
  KEY `child_id` (`child_id`),
  CONSTRAINT `steprunorderschema_ibfk_1` FOREIGN KEY (`parent_id`) REFERENCES `steprunschema` (`id`),
  CONSTRAINT `steprunorderschema_ibfk_2` FOREIGN KEY (`child_id`) REFERENCES `steprunschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `steprunschema` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `pipeline_run_id` char(32) NOT NULL,
  `entrypoint_name` varchar(255) NOT NULL,
  `parameters` varchar(4096) NOT NULL,
  `step_configuration` varchar(4096) NOT NULL,
  `docstring` varchar(4096) DEFAULT NULL,
  `mlmd_id` int(11) DEFAULT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `pipeline_run_id` (`pipeline_run_id`),
  CONSTRAINT `steprunschema_ibfk_1` FOREIGN KEY (`pipeline_run_id`) REFERENCES `pipelinerunschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `teamassignmentschema` (
  `user_id` char(32) NOT NULL,
  `team_id` char(32) NOT NULL,
  PRIMARY KEY (`user_id`,`team_id`),
  KEY `team_id` (`team_id`),
  CONSTRAINT `teamassignmentschema_ibfk_1` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`),
  CONSTRAINT `teamassignmentschema_ibfk_2` FOREIGN KEY (`team_id`) REFERENCES `teamschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `teamroleassignmentschema` (
  `id` char(32) NOT NULL,
  `role_id` char(32) NOT NULL,
  `team_id` char(32) NOT NULL,
  `project_id` char(32) DEFAULT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `role_id` (`role_id`),
  KEY `team_id` (`team_id`),
  KEY `project_id` (`project_id`),
  CONSTRAINT `teamroleassignmentschema_ibfk_1` FOREIGN KEY (`role_id`) REFERENCES `roleschema` (`id`),
  CONSTRAINT `teamroleassignmentschema_ibfk_2` FOREIGN KEY (`team_id`) REFERENCES `teamschema` (`id`),
  CONSTRAINT `teamroleassignmentschema_ibfk_3` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `teamschema` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `userroleassignmentschema` (
  `id` char(32) NOT NULL,
  `role_id` char(32) NOT NULL,
  `user_id` char(32) NOT NULL,
  `project_id` char(32) DEFAULT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `role_id` (`role_id`),
  KEY `user_id` (`user_id`),
  KEY `project_id` (`project_id`),
  CONSTRAINT `userroleassignmentschema_ibfk_1` FOREIGN KEY (`role_id`) REFERENCES `roleschema` (`id`),
  CONSTRAINT `userroleassignmentschema_ibfk_2` FOREIGN KEY (`user_id`) REFERENCES `userschema` (`id`),
  CONSTRAINT `userroleassignmentschema_ibfk_3` FOREIGN KEY (`project_id`) REFERENCES `projectschema` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE `userschema` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `full_name` varchar(255) NOT NULL,
  `email` varchar(255) DEFAULT NULL,
  `active` tinyint(1) NOT NULL,
  `password` varchar(255) DEFAULT NULL,
  `activation_token` varchar(255) DEFAULT NULL,
  `created` datetime NOT NULL,
  `updated` datetime NOT NULL,
  `email_opted_in` tinyint(1) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
