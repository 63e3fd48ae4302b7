"""Courses of treatment: the plan, its sessions and the proposals made along the way."""
