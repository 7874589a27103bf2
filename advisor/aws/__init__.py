"""The only package that imports boto3: sessions, clients and the AWS calls the advisor makes.

Every function takes a client (or an `AwsSession`) and returns typed records or DataFrames; every call
site declares its IAM actions with `@aws_call`, from which advisor.apply.policy writes the IAM policy.
"""
