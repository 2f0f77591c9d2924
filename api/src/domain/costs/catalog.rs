//! The FOCUS service category of each AWS service, by its code or by the names Cost Explorer,
//! the CUR and the prior tool give it.

/// FOCUS ServiceCategory of an AWS service, by its code (CUR `line_item_product_code`) or, for
/// rows that carry only a name (Cost Explorer's SERVICE dimension, the prior tool's
/// `product_product_name`, FOCUS `ServiceName`), by its name.
pub fn service_category(service: &str) -> &'static str {
    match category_of_code(service) {
        "Other" => service_code_of_name(service).map_or("Other", category_of_code),
        category => category,
    }
}

fn category_of_code(service_code: &str) -> &'static str {
    match service_code {
        "AmazonEC2" | "AWSLambda" | "AmazonECS" | "AmazonEKS" | "AWSBatch" | "AmazonLightsail" | "AWSFargate" | "AmazonEC2ContainerRegistry"
        | "AmazonECR" | "AWSElasticBeanstalk" | "AmazonAppStream" | "AmazonWorkSpaces" | "ComputeSavingsPlans" => "Compute",
        "AmazonS3" | "AmazonEFS" | "AmazonGlacier" | "AmazonFSx" | "AWSBackup" | "AWSStorageGateway" | "AmazonS3GlacierDeepArchive" => "Storage",
        "AmazonRDS" | "AmazonDynamoDB" | "AmazonElastiCache" | "AmazonDocDB" | "AmazonNeptune" | "AmazonMemoryDB" | "AmazonKeyspaces"
        | "AmazonMCS" | "AmazonTimestream" => "Databases",
        "AmazonRedshift" | "AmazonAthena" | "AWSGlue" | "AmazonKinesis" | "AmazonKinesisFirehose" | "AmazonES" | "AmazonOpenSearchService"
        | "AmazonEMR" | "ElasticMapReduce" | "AmazonQuickSight" | "AmazonMSK" => "Analytics",
        "AmazonCloudFront" | "AmazonVPC" | "AmazonRoute53" | "AWSELB" | "AWSDataTransfer" | "AWSDirectConnect" | "AWSGlobalAccelerator"
        | "AmazonApiGateway" | "AWSTransitGateway" => "Networking",
        "AmazonCloudWatch" | "AWSCloudTrail" | "AWSConfig" | "AWSSystemsManager" | "AWSCostExplorer" | "AWSCloudFormation"
        | "AWSServiceCatalog" | "AWSOrganizations" => "Management and Governance",
        "AmazonGuardDuty" | "awskms" | "AWSKMS" | "AWSSecretsManager" | "AWSSecurityHub" | "AmazonInspector" | "AmazonInspectorV2" | "AWSWAF"
        | "awswaf" | "AWSShield" | "AmazonMacie" | "AWSCertificateManager" => "Security",
        "AmazonCognito" | "AWSDirectoryService" | "AWSSSO" => "Identity",
        "AmazonSageMaker" | "AmazonBedrock" | "AmazonRekognition" | "AmazonTextract" | "AmazonComprehend" | "AmazonPolly" | "AmazonTranslate"
        | "AmazonTranscribe" | "AmazonLex" => "AI and Machine Learning",
        "AmazonSNS" | "AmazonSQS" | "AWSQueueService" | "AmazonEventBridge" | "AWSEvents" | "AmazonMQ" | "AWSStepFunctions" | "AmazonStates"
        | "AmazonSES" | "AWSAppSync" => "Integration",
        "AWSCodeBuild" | "CodeBuild" | "AWSCodePipeline" | "AWSCodeCommit" | "AWSCodeArtifact" | "AWSXRay" | "AWSCloud9" => "Developer Tools",
        "AWSIoT" | "AWSIoTAnalytics" | "AWSGreengrass" => "Internet of Things",
        "AWSDatabaseMigrationSvc" | "AWSMigrationHub" | "AWSApplicationMigrationSvc" | "AWSDataSync" | "AWSTransfer" => "Migration",
        "AmazonConnect" | "AmazonChime" | "AWSSupportBusiness" | "AWSSupportEnterprise" | "AWSDeveloperSupport" => "Business Applications",
        "AmazonElasticTranscoder" | "AmazonETS" | "AWSElementalMediaConvert" | "AmazonIVS" => "Media",
        _ => "Other",
    }
}

/// Service names as Cost Explorer (SERVICE dimension), the CUR (`product_product_name`) and the
/// prior tool's table write them, with the service code they stand for.
const SERVICE_NAMES: &[(&str, &str)] = &[
    ("Amazon Elastic Compute Cloud - Compute", "AmazonEC2"),
    ("Amazon Elastic Compute Cloud", "AmazonEC2"),
    ("EC2 - Other", "AmazonEC2"),
    ("EC2 Instances", "AmazonEC2"),
    ("AWS Lambda", "AWSLambda"),
    ("Amazon Elastic Container Service", "AmazonECS"),
    ("Amazon EC2 Container Service", "AmazonECS"),
    ("Amazon Elastic Container Service for Kubernetes", "AmazonEKS"),
    ("Amazon Elastic Kubernetes Service", "AmazonEKS"),
    ("Amazon EC2 Container Registry (ECR)", "AmazonECR"),
    ("Amazon Elastic Container Registry", "AmazonECR"),
    ("AWS Batch", "AWSBatch"),
    ("Amazon Lightsail", "AmazonLightsail"),
    ("AWS Elastic Beanstalk", "AWSElasticBeanstalk"),
    ("Amazon WorkSpaces", "AmazonWorkSpaces"),
    ("Amazon AppStream", "AmazonAppStream"),
    ("Savings Plans for AWS Compute usage", "ComputeSavingsPlans"),
    ("Amazon Simple Storage Service", "AmazonS3"),
    ("Amazon S3", "AmazonS3"),
    ("Amazon Elastic File System", "AmazonEFS"),
    ("Amazon Glacier", "AmazonGlacier"),
    ("Amazon S3 Glacier", "AmazonGlacier"),
    ("Amazon FSx", "AmazonFSx"),
    ("AWS Backup", "AWSBackup"),
    ("AWS Storage Gateway", "AWSStorageGateway"),
    ("Amazon Relational Database Service", "AmazonRDS"),
    ("Amazon DynamoDB", "AmazonDynamoDB"),
    ("Amazon ElastiCache", "AmazonElastiCache"),
    ("Amazon DocumentDB (with MongoDB compatibility)", "AmazonDocDB"),
    ("Amazon Neptune", "AmazonNeptune"),
    ("Amazon MemoryDB", "AmazonMemoryDB"),
    ("Amazon MemoryDB for Redis", "AmazonMemoryDB"),
    ("Amazon Keyspaces (for Apache Cassandra)", "AmazonMCS"),
    ("Amazon Timestream", "AmazonTimestream"),
    ("Amazon Redshift", "AmazonRedshift"),
    ("Amazon Athena", "AmazonAthena"),
    ("AWS Glue", "AWSGlue"),
    ("Amazon Kinesis", "AmazonKinesis"),
    ("Amazon Kinesis Firehose", "AmazonKinesisFirehose"),
    ("Amazon Data Firehose", "AmazonKinesisFirehose"),
    ("Amazon OpenSearch Service", "AmazonES"),
    ("Amazon Elasticsearch Service", "AmazonES"),
    ("Amazon Elastic MapReduce", "ElasticMapReduce"),
    ("Amazon EMR", "ElasticMapReduce"),
    ("Amazon QuickSight", "AmazonQuickSight"),
    ("Amazon Managed Streaming for Apache Kafka", "AmazonMSK"),
    ("Amazon CloudFront", "AmazonCloudFront"),
    ("Amazon Virtual Private Cloud", "AmazonVPC"),
    ("Amazon Route 53", "AmazonRoute53"),
    ("Elastic Load Balancing", "AWSELB"),
    ("Amazon Elastic Load Balancing", "AWSELB"),
    ("AWS Data Transfer", "AWSDataTransfer"),
    ("AWS Direct Connect", "AWSDirectConnect"),
    ("AWS Global Accelerator", "AWSGlobalAccelerator"),
    ("Amazon API Gateway", "AmazonApiGateway"),
    ("AWS Transit Gateway", "AWSTransitGateway"),
    ("AmazonCloudWatch", "AmazonCloudWatch"),
    ("Amazon CloudWatch", "AmazonCloudWatch"),
    ("AWS CloudTrail", "AWSCloudTrail"),
    ("AWS Config", "AWSConfig"),
    ("AWS Systems Manager", "AWSSystemsManager"),
    ("AWS Cost Explorer", "AWSCostExplorer"),
    ("AWS CloudFormation", "AWSCloudFormation"),
    ("AWS Service Catalog", "AWSServiceCatalog"),
    ("AWS Organizations", "AWSOrganizations"),
    ("Amazon GuardDuty", "AmazonGuardDuty"),
    ("AWS Key Management Service", "awskms"),
    ("AWS Secrets Manager", "AWSSecretsManager"),
    ("AWS Security Hub", "AWSSecurityHub"),
    ("Amazon Inspector", "AmazonInspectorV2"),
    ("AWS WAF", "awswaf"),
    ("AWS Shield", "AWSShield"),
    ("Amazon Macie", "AmazonMacie"),
    ("AWS Certificate Manager", "AWSCertificateManager"),
    ("Amazon Cognito", "AmazonCognito"),
    ("AWS Directory Service", "AWSDirectoryService"),
    ("AWS IAM Identity Center", "AWSSSO"),
    ("Amazon SageMaker", "AmazonSageMaker"),
    ("Amazon Bedrock", "AmazonBedrock"),
    ("Amazon Rekognition", "AmazonRekognition"),
    ("Amazon Textract", "AmazonTextract"),
    ("Amazon Comprehend", "AmazonComprehend"),
    ("Amazon Polly", "AmazonPolly"),
    ("Amazon Translate", "AmazonTranslate"),
    ("Amazon Transcribe", "AmazonTranscribe"),
    ("Amazon Lex", "AmazonLex"),
    ("Amazon Simple Notification Service", "AmazonSNS"),
    ("Amazon Simple Queue Service", "AWSQueueService"),
    ("Amazon EventBridge", "AWSEvents"),
    ("CloudWatch Events", "AWSEvents"),
    ("Amazon MQ", "AmazonMQ"),
    ("AWS Step Functions", "AmazonStates"),
    ("Amazon Simple Email Service", "AmazonSES"),
    ("AWS AppSync", "AWSAppSync"),
    ("AWS CodeBuild", "CodeBuild"),
    ("CodeBuild", "CodeBuild"),
    ("AWS CodePipeline", "AWSCodePipeline"),
    ("AWS CodeCommit", "AWSCodeCommit"),
    ("AWS CodeArtifact", "AWSCodeArtifact"),
    ("AWS X-Ray", "AWSXRay"),
    ("AWS Cloud9", "AWSCloud9"),
    ("AWS IoT", "AWSIoT"),
    ("AWS IoT Analytics", "AWSIoTAnalytics"),
    ("AWS IoT Greengrass", "AWSGreengrass"),
    ("AWS Database Migration Service", "AWSDatabaseMigrationSvc"),
    ("AWS Migration Hub", "AWSMigrationHub"),
    ("AWS Application Migration Service", "AWSApplicationMigrationSvc"),
    ("AWS DataSync", "AWSDataSync"),
    ("AWS Transfer Family", "AWSTransfer"),
    ("Amazon Connect", "AmazonConnect"),
    ("Amazon Chime", "AmazonChime"),
    ("AWS Support (Business)", "AWSSupportBusiness"),
    ("AWS Support (Enterprise)", "AWSSupportEnterprise"),
    ("AWS Support (Developer)", "AWSDeveloperSupport"),
    ("Amazon Elastic Transcoder", "AmazonETS"),
    ("AWS Elemental MediaConvert", "AWSElementalMediaConvert"),
    ("Amazon Interactive Video Service", "AmazonIVS"),
];

/// The service code a service name stands for (case and surrounding spaces ignored).
pub fn service_code_of_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    SERVICE_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, code)| *code)
}

/// Every service code the mapping names, with its category and the names that stand for it.
pub fn known_service_categories() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    const CODES: &[&str] = &[
        "AmazonEC2", "AWSLambda", "AmazonECS", "AmazonEKS", "AmazonECR", "AmazonS3", "AmazonEFS", "AmazonGlacier", "AmazonRDS", "AmazonDynamoDB",
        "AmazonElastiCache", "AmazonRedshift", "AmazonAthena", "AWSGlue", "AmazonKinesis", "AmazonCloudFront", "AmazonVPC", "AmazonRoute53",
        "AWSELB", "AWSDataTransfer", "AmazonCloudWatch", "AWSCloudTrail", "AWSConfig", "AmazonGuardDuty", "awskms", "AWSSecretsManager",
        "AmazonCognito", "AmazonSageMaker", "AmazonBedrock", "AmazonSNS", "AWSQueueService", "AmazonStates", "CodeBuild", "AWSIoT",
        "AWSDatabaseMigrationSvc", "AmazonConnect", "AWSSupportBusiness", "AWSElementalMediaConvert",
    ];
    let mut codes: Vec<&'static str> = CODES.to_vec();
    for (_, code) in SERVICE_NAMES {
        if !codes.contains(code) {
            codes.push(code);
        }
    }
    codes
        .into_iter()
        .map(|c| (c, category_of_code(c), SERVICE_NAMES.iter().filter(|(_, code)| *code == c).map(|(n, _)| *n).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_focus() {
        assert_eq!(service_category("AmazonEC2"), "Compute");
        assert_eq!(service_category("AmazonS3"), "Storage");
        assert_eq!(service_category("AmazonRDS"), "Databases");
        assert_eq!(service_category("SomethingNew"), "Other");
    }

    #[test]
    fn cost_explorer_and_legacy_service_names_have_categories() {
        // Names as Cost Explorer's SERVICE dimension and the prior tool's table carry them.
        for (name, category) in [
            ("Amazon Elastic Compute Cloud - Compute", "Compute"),
            ("EC2 - Other", "Compute"),
            ("Amazon Simple Storage Service", "Storage"),
            ("Amazon Relational Database Service", "Databases"),
            ("AmazonCloudWatch", "Management and Governance"),
            ("AWS Key Management Service", "Security"),
            ("Amazon Simple Queue Service", "Integration"),
            ("amazon dynamodb ", "Databases"),
        ] {
            assert_eq!(service_category(name), category, "{name}");
        }
        assert_eq!(service_category("Tax"), "Other");
        let ec2 = known_service_categories().into_iter().find(|(c, _, _)| *c == "AmazonEC2").unwrap();
        assert!(ec2.2.contains(&"Amazon Elastic Compute Cloud - Compute"));
    }
}
