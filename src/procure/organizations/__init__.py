"""The organization registry (承接主体目录): profiles, qualifications, credit ratings, debarment."""
