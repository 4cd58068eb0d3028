"""Exports of findings and finance data: tickets (Jira, ServiceNow), chat (Slack, Teams), the chargeback
journal, Terraform and Palette patches. Builders are pure; :mod:`actions.exports.runner` writes dry-run
payloads and, when asked, delivers them through :mod:`actions.delivery`."""
