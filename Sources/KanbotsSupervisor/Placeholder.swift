public enum KanbotsSupervisorPlaceholder {}
