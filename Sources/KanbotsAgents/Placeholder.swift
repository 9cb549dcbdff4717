public enum KanbotsAgentsPlaceholder {}
