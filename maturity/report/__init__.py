"""Reports of an assessment: charts and documents for a company's management."""
