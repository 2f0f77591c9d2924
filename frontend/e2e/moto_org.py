"""Builds an AWS organization in moto for the browser test: a management account (the payer)
with an OU and two member accounts. Usage: moto_org.py ENDPOINT ACCOUNT_ID; prints JSON."""
import json
import sys

import boto3

endpoint, account = sys.argv[1], sys.argv[2]
base = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
# moto keeps state per calling account; assuming a role in the payer account acts as it.
creds = boto3.client("sts", **base).assume_role(RoleArn=f"arn:aws:iam::{account}:role/fixture", RoleSessionName="fixture")["Credentials"]
org = boto3.client(
    "organizations",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"],
    aws_session_token=creds["SessionToken"],
)
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
members = []
for i, name in enumerate(["Production", "Staging"]):
    status = org.create_account(Email=f"{name.lower()}-{account}@accounts.example", AccountName=name)["CreateAccountStatus"]
    members.append(status["AccountId"])
org.move_account(AccountId=members[0], SourceParentId=root, DestinationParentId=ou)
print(json.dumps({"root": root, "ou": ou, "members": members}))
