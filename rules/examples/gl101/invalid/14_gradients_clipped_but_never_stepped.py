# A diffusers-style Accelerate loop with `optimizer.step()` removed: clipping reads the
# gradients (and `params_to_optimize` is a list of parameters, not an optimizer), the
# scheduler steps the learning rate, and the clearing throws the gradients away.
import torch
from accelerate import Accelerator

accelerator = Accelerator()
unet = torch.nn.Linear(4, 4)
params_to_optimize = list(unet.parameters())
optimizer = torch.optim.AdamW(params_to_optimize, lr=1e-4)
lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
unet, optimizer, lr_scheduler = accelerator.prepare(unet, optimizer, lr_scheduler)

for batch in torch.randn(10, 8, 4):
    with accelerator.accumulate(unet):
        loss = torch.nn.functional.mse_loss(unet(batch), batch)
        accelerator.backward(loss)  # GL101
        if accelerator.sync_gradients:
            accelerator.clip_grad_norm_(params_to_optimize, 1.0)
        lr_scheduler.step()
        optimizer.zero_grad()
