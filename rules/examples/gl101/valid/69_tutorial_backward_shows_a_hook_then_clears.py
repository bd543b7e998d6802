# A tutorial (Opacus' advanced features) backpropagates at the top level to show what a hook
# does, here that a second backward without a step fails, and clears the gradients; the
# training itself is handed to a function further down.
import torch
from opacus.privacy_engine import forbid_accumulation_hook

model = torch.nn.Linear(16, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model.register_forward_pre_hook(forbid_accumulation_hook)

model(torch.randn(10, 16)).sum().backward()
print("First backward successful")
model(torch.randn(10, 16)).sum().backward()
model.zero_grad()

train(model, optimizer)  # noqa: F821 (defined in a later cell)
