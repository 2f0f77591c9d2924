//! S3, through a payer's assumed role: listing a cost export's prefix and downloading its files;
//! and with the platform's own identity: putting the signed audit digests (write-once, Object
//! Lock) and reading them back for verification.

use std::path::Path;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use chrono::{DateTime, Utc};
use tokio::io::AsyncWriteExt;

use crate::aws::error::{AwsError, AwsResult};

/// One object under a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Object {
    pub key: String,
    pub size: i64,
}

#[async_trait]
pub trait S3Api: Send + Sync {
    /// ListObjectsV2 under a prefix, every page.
    async fn list(&self, c: &Credentials, bucket: &str, prefix: &str) -> AwsResult<Vec<S3Object>>;
    /// GetObject, streamed to a file.
    async fn download(&self, c: &Credentials, bucket: &str, key: &str, to: &Path) -> AwsResult<u64>;
    /// GetBucketLocation: the bucket's region (`us-east-1` where S3 answers no constraint).
    async fn bucket_region(&self, _c: &Credentials, _bucket: &str) -> AwsResult<String> {
        Err(AwsError::unexpected(SERVICE, "GetBucketLocation", "no S3 client configured"))
    }
    /// PutObject with the platform's own identity, only where the key does not exist yet
    /// (`If-None-Match: *`): `Ok(false)` when it does (nothing was written). With `retain_until`,
    /// the object is locked in COMPLIANCE mode until then (the bucket needs Object Lock).
    async fn put_new(&self, _bucket: &str, _key: &str, _body: Vec<u8>, _retain_until: Option<DateTime<Utc>>) -> AwsResult<bool> {
        Err(AwsError::unexpected(SERVICE, "PutObject", "no S3 client configured"))
    }
    /// ListObjectsV2 with the platform's own identity, every page.
    async fn list_own(&self, _bucket: &str, _prefix: &str) -> AwsResult<Vec<S3Object>> {
        Err(AwsError::unexpected(SERVICE, "ListObjectsV2", "no S3 client configured"))
    }
    /// GetObject with the platform's own identity, streamed to a file.
    async fn download_own(&self, _bucket: &str, _key: &str, _to: &Path) -> AwsResult<u64> {
        Err(AwsError::unexpected(SERVICE, "GetObject", "no S3 client configured"))
    }
}

pub struct SdkS3 {
    conf: aws_sdk_s3::Config,
}

impl SdkS3 {
    pub fn new(sdk: &SdkConfig) -> Self {
        // Path-style addressing works with any endpoint override (and with every bucket name).
        // Every call is audited like the other AWS clients' (AwsApiCall events).
        let conf = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .interceptor(crate::audit::aws::AuditInterceptor)
            .build();
        Self { conf }
    }

    fn client(&self, c: &Credentials) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(self.conf.to_builder().credentials_provider(c.clone()).build())
    }

    /// The platform's own identity (the standard credential chain the SDK configuration holds).
    fn own_client(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(self.conf.clone())
    }
}

async fn list_with(client: &aws_sdk_s3::Client, bucket: &str, prefix: &str) -> AwsResult<Vec<S3Object>> {
    let (mut out, mut token) = (Vec::new(), None::<String>);
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "ListObjectsV2", e))?;
        out.extend(page.contents().iter().filter_map(|o| Some(S3Object { key: o.key()?.to_owned(), size: o.size().unwrap_or(0) })));
        match page.next_continuation_token() {
            Some(t) if page.is_truncated().unwrap_or(false) => token = Some(t.to_owned()),
            _ => return Ok(out),
        }
    }
}

async fn download_with(client: &aws_sdk_s3::Client, bucket: &str, key: &str, to: &Path) -> AwsResult<u64> {
    let object = client.get_object().bucket(bucket).key(key).send().await.map_err(|e| AwsError::from_sdk(SERVICE, "GetObject", e))?;
    let local = |what: &str| AwsError::unexpected(SERVICE, "GetObject", what);
    if let Some(parent) = to.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| local(&format!("creating {}: {e}", parent.display())))?;
    }
    let mut file = tokio::fs::File::create(to).await.map_err(|e| local(&format!("creating {}: {e}", to.display())))?;
    let mut body = object.body;
    let mut written = 0_u64;
    while let Some(chunk) = body.try_next().await.map_err(|e| local(&format!("reading the object: {e}")))? {
        file.write_all(&chunk).await.map_err(|e| local(&format!("writing {}: {e}", to.display())))?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(|e| local(&format!("writing {}: {e}", to.display())))?;
    Ok(written)
}

const SERVICE: &str = "s3";

#[async_trait]
impl S3Api for SdkS3 {
    async fn list(&self, c: &Credentials, bucket: &str, prefix: &str) -> AwsResult<Vec<S3Object>> {
        list_with(&self.client(c), bucket, prefix).await
    }

    async fn download(&self, c: &Credentials, bucket: &str, key: &str, to: &Path) -> AwsResult<u64> {
        download_with(&self.client(c), bucket, key, to).await
    }

    async fn bucket_region(&self, c: &Credentials, bucket: &str) -> AwsResult<String> {
        let out = self.client(c).get_bucket_location().bucket(bucket).send().await.map_err(|e| AwsError::from_sdk(SERVICE, "GetBucketLocation", e))?;
        // No constraint means us-east-1; `EU` is the old name of eu-west-1.
        Ok(match out.location_constraint().map(|l| l.as_str()).filter(|l| !l.is_empty()) {
            None => "us-east-1".to_owned(),
            Some("EU") => "eu-west-1".to_owned(),
            Some(region) => region.to_owned(),
        })
    }

    async fn put_new(&self, bucket: &str, key: &str, body: Vec<u8>, retain_until: Option<DateTime<Utc>>) -> AwsResult<bool> {
        let mut put = self.own_client().put_object().bucket(bucket).key(key).if_none_match("*").content_type("application/octet-stream").body(body.into());
        if let Some(until) = retain_until {
            put = put
                .object_lock_mode(aws_sdk_s3::types::ObjectLockMode::Compliance)
                .object_lock_retain_until_date(aws_smithy_types::DateTime::from_secs(until.timestamp()));
        }
        match put.send().await {
            Ok(_) => Ok(true),
            // 412: the key exists (If-None-Match: *); it is left as it is.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => Ok(false),
            Err(e) => Err(AwsError::from_sdk(SERVICE, "PutObject", e)),
        }
    }

    async fn list_own(&self, bucket: &str, prefix: &str) -> AwsResult<Vec<S3Object>> {
        list_with(&self.own_client(), bucket, prefix).await
    }

    async fn download_own(&self, bucket: &str, key: &str, to: &Path) -> AwsResult<u64> {
        download_with(&self.own_client(), bucket, key, to).await
    }
}

/// Stands in where no S3 adapter was given (tests of other capabilities).
pub struct NoS3;

#[async_trait]
impl S3Api for NoS3 {
    async fn list(&self, _: &Credentials, _: &str, _: &str) -> AwsResult<Vec<S3Object>> {
        Err(AwsError::unexpected(SERVICE, "ListObjectsV2", "no S3 client configured"))
    }
    async fn download(&self, _: &Credentials, _: &str, _: &str, _: &Path) -> AwsResult<u64> {
        Err(AwsError::unexpected(SERVICE, "GetObject", "no S3 client configured"))
    }
}
