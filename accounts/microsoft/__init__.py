"""Microsoft 365 sign-in that trusts an email address only when Microsoft vouches for it.

allauth's Microsoft provider reads the Graph profile, whose `mail` any tenant's administrator
can set to anyone's address (the pattern behind CVE-2023-36871). Here the ID token from the
token endpoint is read too: an address counts as verified only when the token carries
`xms_edov` (Microsoft's "email domain owner verified" claim) or comes from a tenant the
council lists in MICROSOFT_TRUSTED_TENANTS. Otherwise the person verifies it by email, as
with a password sign-up. Wired in as allauth's `provider_class` for "microsoft"."""
