"""Web plumbing shared by every domain: templates, security middleware, CSRF, error pages."""
