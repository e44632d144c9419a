// Placeholder until the Kafka worker lands; see its issue.
return 0;
