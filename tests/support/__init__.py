"""Code the tests share: helpers and fixtures that are not tests themselves."""
